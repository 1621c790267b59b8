/**
 * Synthetic market data for demos, tests and benchmarks: deterministic for a given seed.
 *
 * Prices follow geometric Brownian motion in event time (annualised with 365 days, as crypto trades
 * every day), optionally with Merton jumps (Poisson arrivals, normal log-jump sizes) and volatility
 * regimes (a Markov chain over given volatilities with exponential holding times). docs/generate.md
 * has the model with its formulas.
 *
 * Candles are consistent by construction: within a candle the log price is a Brownian bridge from the
 * open to the close, and the high and low are drawn from the exact distributions of its maximum and
 * minimum, so `low <= min(open, close)` and `high >= max(open, close)` always hold, also after
 * rounding to the tick (rounding is monotone). Books are uncrossed and sequenced like Binance spot
 * (`first_sequence` = previous `sequence` + 1).
 *
 * Here: the options and the stream; the price model is in model.ts, each kind's records in makers.ts.
 */

import { UsageError } from '../errors.js';
import type { RecordStream } from '../io/stream.js';
import type { Interval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import { bookMaker, candleMaker, quoteMaker, tradeMaker } from './makers.js';
import type { PriceState } from './model.js';
import { Rng } from './random.js';

export { Grid } from './model.js';

export type GenerateKind = 'candles' | 'trades' | 'quotes' | 'book';
export const GENERATE_KINDS: readonly GenerateKind[] = ['candles', 'trades', 'quotes', 'book'];

export interface GenerateOptions {
  readonly kind: GenerateKind;
  readonly exchange: string;
  readonly symbol: string;
  /** Candle interval (candles only). */
  readonly interval: Interval;
  /** Start time, epoch microseconds. */
  readonly fromUs: number;
  readonly count: number;
  readonly seed: number;
  /** Starting price. */
  readonly price: number;
  /** Annualised volatility (0.6 = 60%). */
  readonly volatility: number;
  /** Annualised drift of the log price's expectation (mu). */
  readonly drift: number;
  readonly tickSize: number;
  readonly lotSize: number;
  /** Expected jumps per day (0 = none) and the standard deviation of a log jump. */
  readonly jumpsPerDay: number;
  readonly jumpSize: number;
  /** Volatility regimes (annualised); empty = one regime at `volatility`. */
  readonly regimes: readonly number[];
  /** Mean time spent in a regime, microseconds. */
  readonly regimeMeanUs: number;
  /** Events per second for trades, quotes and book updates. */
  readonly rate: number;
  /** Average quote notional traded per day (sets candle volumes and trade sizes). */
  readonly dailyNotional: number;
  /** Book: levels per side. */
  readonly depth: number;
  /** Book: most levels changed by one update. */
  readonly maxLevelsPerUpdate: number;
  readonly batchSize?: number;
}

export const GENERATE_DEFAULTS = {
  kind: 'candles',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  interval: '1m',
  from: '2024-01-01',
  count: 1000,
  seed: 42,
  price: 42000,
  volatility: 0.6,
  drift: 0,
  tickSize: 0.01,
  lotSize: 0.00001,
  jumpsPerDay: 0,
  jumpSize: 0.02,
  regimeDuration: '1d',
  rate: 10,
  dailyNotional: 1e9,
  depth: 50,
  maxLevelsPerUpdate: 10,
} as const;

function validate(o: GenerateOptions): void {
  const bad = (what: string): never => {
    throw new UsageError(what);
  };
  if (!Number.isSafeInteger(o.count) || o.count < 0)
    bad(`--count must be a whole number >= 0, found ${o.count}`);
  if (!(o.price > 0)) bad(`--price must be positive, found ${o.price}`);
  if (!(o.volatility >= 0)) bad(`--volatility must be >= 0, found ${o.volatility}`);
  if (!(o.rate > 0)) bad(`--rate must be positive, found ${o.rate}`);
  if (!(o.jumpsPerDay >= 0)) bad(`--jumps must be >= 0, found ${o.jumpsPerDay}`);
  if (o.regimes.some((v) => !(v >= 0))) bad('--regimes must be volatilities >= 0');
  if (!Number.isInteger(o.depth) || o.depth < 1) bad(`--depth must be a whole number >= 1, found ${o.depth}`);
  if (!Number.isInteger(o.maxLevelsPerUpdate) || o.maxLevelsPerUpdate < 1) {
    bad(`--levels must be a whole number >= 1, found ${o.maxLevelsPerUpdate}`);
  }
  if (o.price < o.tickSize * o.depth * 2 && o.kind === 'book') {
    bad(`--price ${o.price} is too low for a book of --depth ${o.depth} levels of --tick-size ${o.tickSize}`);
  }
}

/** Generates records as a stream of batches. Each record also carries its JSON text, prebuilt. */
export async function* generate(o: GenerateOptions, signal?: AbortSignal): RecordStream {
  validate(o);
  const state: PriceState = {
    rng: new Rng(o.seed),
    logPrice: Math.log(o.price),
    sigma: o.regimes.length > 0 ? o.regimes[0]! : o.volatility,
    regime: 0,
  };
  const head = `"exchange":${JSON.stringify(o.exchange)},"symbol":${JSON.stringify(o.symbol)}`;
  const make =
    o.kind === 'candles'
      ? candleMaker(o, state, head)
      : o.kind === 'trades'
        ? tradeMaker(o, state, head)
        : o.kind === 'quotes'
          ? quoteMaker(o, state, head)
          : bookMaker(o, state, head);
  const batchSize = o.batchSize ?? 1024;
  let produced = 0;
  while (produced < o.count) {
    if (signal?.aborted) return;
    const n = Math.min(batchSize, o.count - produced);
    const batch: WireRecord[] = new Array(n);
    for (let i = 0; i < n; i++) batch[i] = make();
    produced += n;
    yield batch;
  }
}
