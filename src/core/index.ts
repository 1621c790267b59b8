/**
 * tickpipe's core as a library (`import { ... } from 'tickpipe/core'`): the same functions the
 * commands call. Streams are async iterables of record batches (see io/stream.ts).
 */

export {
  type BacktestOptions,
  backtest,
  createEngine,
  type LoadedStrategy,
  loadStrategy,
} from './backtest/backtest.js';
export { type BacktestConfig, DEFAULT_CONFIG, parseConfig } from './backtest/config.js';
export { fromBarter, isBarterConfig } from './backtest/config-barter.js';
export {
  ATR,
  Bollinger,
  CrossOver,
  EMA,
  type Indicators,
  indicators,
  MACD,
  RollingBeta,
  RSI,
  SMA,
  VWAP,
  WilderAverage,
  ZScore,
} from './backtest/indicators.js';
export { money, moneyText, tidy } from './backtest/money.js';
export { BUILTIN_STRATEGIES } from './backtest/strategies.js';
export type {
  CancelIntent,
  CloseIntent,
  Decision,
  Intent,
  OrderIntent,
  Strategy,
  StrategyContext,
  StrategyFactory,
  StrategyTools,
} from './backtest/strategy.js';
export { OrderBook } from './book/book.js';
export { BookSide, type Level } from './book/levels.js';
export { type OrderbookOptions, OrderbookStage } from './book/orderbook.js';
export { orderbook } from './book/orderbook-io.js';
export type { OrderbookReport } from './book/orderbook-report.js';
export { ruleFor, Sequencer } from './book/sequence.js';
export { Clock } from './engine/clock.js';
export { type PreparedData, prepareData, runPrepared } from './engine/data.js';
export { BacktestEngine, DEFAULT_CASH, type EngineOptions } from './engine/engine.js';
export { FillDesk } from './engine/fills.js';
export { Recorder } from './engine/records.js';
export type { BacktestReport } from './engine/report.js';
export { DataError, StopRequested, TickpipeError, UsageError } from './errors.js';
export { BinanceFeed } from './exchanges/binance/feed.js';
export { BybitFeed } from './exchanges/bybit/feed.js';
export { replayCapture } from './exchanges/replay.js';
export { fetchMarketData, readLocalFiles } from './fetch/index.js';
export {
  GENERATE_DEFAULTS,
  GENERATE_KINDS,
  type GenerateKind,
  type GenerateOptions,
  Grid,
  generate,
} from './generate/generate.js';
export { Rng } from './generate/random.js';
export { type Input, openInput } from './io/input.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  ErrorPolicy,
  type LineBatch,
  type OnError,
  parseRecords,
  splitLines,
} from './io/lines.js';
export { readRecords, writeAll } from './io/pipeline.js';
export { collect, fromRecords, type RecordStream, runStage, type Stage, toRecords } from './io/stream.js';
export { NdjsonWriter } from './io/writer.js';
export { type Instrument, newInstrument, splitSymbol } from './market/instrument.js';
export { Instruments } from './market/instruments.js';
export { type DataKind, KIND_RANK } from './market/market.js';
export { EquityCadence } from './marks/cadence.js';
export { type Marked, Marks } from './marks/equity.js';
export { bookFills } from './matching/book.js';
export { type CandleEvent, candleFills } from './matching/candle.js';
export type { Execution, Matcher } from './matching/execution.js';
export { fillsFrom } from './matching/model.js';
export { type TradeEvent, tradeFills } from './matching/trade.js';
export { readIntent } from './orders/intent.js';
export { LIFECYCLE, type OrderEvent, type OrderStatus } from './orders/lifecycle.js';
export type { Order, OrderSpec } from './orders/order.js';
export { OrderDesk } from './orders/orders.js';
export { Balance } from './portfolio/balance.js';
export { Balances } from './portfolio/balances.js';
export { Fees } from './portfolio/fees.js';
export { applyFill, Position } from './portfolio/position.js';
export { reservationFor } from './portfolio/reserve.js';
export { settle } from './portfolio/settle.js';
export { toNumber } from './records/bounds.js';
export { addInterval, type Interval, parseInterval } from './records/interval.js';
export * from './records/record.js';
export { formatTime, type ParsedTime, parseCanonicalTime, parseDuration, parseTime } from './records/time.js';
export { RecordValidator } from './records/validate.js';
export { type Bucket, bucketOf, parseTimeZone, type TimeZone, UTC } from './resample/buckets.js';
export {
  parseBars,
  type ResampleOptions,
  type ResampleReport,
  Resampler,
  resample,
  type ThresholdBars,
} from './resample/resample.js';
export * as riskChecks from './risk/checks.js';
export { TradingState } from './risk/trading-state.js';
export {
  CLASS_INFO,
  defaultPolicy,
  type Policy,
  PROBLEM_CLASSES,
  type ProblemClass,
  parsePolicy,
} from './sanitize/policy.js';
export { formatReport } from './sanitize/report.js';
export { RollingMad } from './sanitize/rolling.js';
export {
  SanitizeFailure,
  type SanitizeOptions,
  type SanitizeReport,
  Sanitizer,
  sanitize,
} from './sanitize/sanitize.js';
export { KellyStats, sizeOrder } from './sizing/sizing.js';
export {
  type DrawdownPeriod,
  DrawdownStats,
  DrawdownTracker,
  drawdownPeriods,
  drawdownSeries,
  maxDrawdown,
  meanDrawdown,
} from './stats/drawdown.js';
export { type DrawdownOptions, DrawdownStage, drawdown } from './stats/drawdown-stage.js';
export { ANNUAL_252, ANNUAL_365, DAILY, parseStatInterval, type StatInterval } from './stats/interval.js';
export {
  annualisedReturn,
  cagr,
  calmarRatio,
  convertRate,
  DownsideDeviation,
  type Metric,
  profitFactor,
  type ReturnStats,
  rateOfReturn,
  sharpeRatio,
  sortinoRatio,
  winRate,
} from './stats/metrics.js';
export { formatSummary, PLAIN, type Style, sparkline } from './stats/pretty.js';
export { type SummarizeOptions, Summarizer, SummaryTap, summarize, withSummary } from './stats/summary.js';
export { Sum, Welford, type WelfordState, welfordUpdate, welfordVariance } from './stats/welford.js';
