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
 */

import { UsageError } from '../errors.js';
import type { RecordStream } from '../io/stream.js';
import { addInterval, type Interval } from '../records/interval.js';
import { attachOrigin, type WireRecord } from '../records/record.js';
import { formatTime, US_PER_DAY, US_PER_MS, US_PER_SECOND } from '../records/time.js';
import { Rng } from './random.js';

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

const YEAR_US = 365 * US_PER_DAY;

/** Exact decimal grid: values are `n * step` written without binary noise (0.1 + 0.2 never shows). */
export class Grid {
  readonly decimals: number;
  private readonly units: number;
  private readonly scale: number;

  constructor(readonly step: number) {
    if (!(step > 0) || !Number.isFinite(step))
      throw new UsageError(`expected a positive step, found ${step}`);
    let k = 0;
    while (k < 15 && Math.abs(Math.round(step * 10 ** k) - step * 10 ** k) > 1e-9) k++;
    this.decimals = k;
    this.scale = 10 ** k;
    this.units = Math.round(step * this.scale);
  }

  /** The nearest grid index to `x` (at least `min`). */
  index(x: number, min = 1): number {
    return Math.max(min, Math.round(x / this.step));
  }

  /** The value at grid index `n`, as the double nearest to the exact decimal. */
  value(n: number): number {
    return (n * this.units) / this.scale;
  }
}

interface PriceState {
  rng: Rng;
  logPrice: number;
  sigma: number;
  regime: number;
}

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

/**
 * Advances the log price by `dtUs` of event time: GBM, plus jumps, with regime switches checked at
 * each step. Returns the diffusion variance of the step (for the Brownian-bridge extremes).
 */
function step(s: PriceState, o: GenerateOptions, dtUs: number): number {
  if (o.regimes.length > 1 && s.rng.uniform() < dtUs / o.regimeMeanUs) {
    let next = s.rng.int(0, o.regimes.length - 2);
    if (next >= s.regime) next++;
    s.regime = next;
    s.sigma = o.regimes[next]!;
  }
  const dt = dtUs / YEAR_US;
  const variance = s.sigma * s.sigma * dt;
  let r = (o.drift - 0.5 * s.sigma * s.sigma) * dt + Math.sqrt(variance) * s.rng.normal();
  if (o.jumpsPerDay > 0) {
    const jumps = s.rng.poisson((o.jumpsPerDay * dtUs) / US_PER_DAY);
    for (let j = 0; j < jumps; j++) r += o.jumpSize * s.rng.normal();
  }
  s.logPrice += r;
  return variance;
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

function withText<T extends object>(record: T, text: string): WireRecord {
  attachOrigin(record, 0, text);
  return record as unknown as WireRecord;
}

function candleMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const interval = o.interval;
  const intervalText = JSON.stringify(interval.text);
  let openUs = o.fromUs;
  let openIndex = prices.index(Math.exp(s.logPrice));
  return () => {
    const closeUs = addInterval(openUs, interval);
    const dtUs = closeUs - openUs;
    const start = s.logPrice;
    const variance = step(s, o, dtUs);
    const r = s.logPrice - start;
    // Extremes of a Brownian bridge from 0 to r with variance v: max = (r + sqrt(r^2 - 2 v ln U)) / 2.
    const maxLog = (r + Math.sqrt(r * r - 2 * variance * Math.log(s.rng.uniformPositive()))) / 2;
    const minLog = (r - Math.sqrt(r * r - 2 * variance * Math.log(s.rng.uniformPositive()))) / 2;
    const closeIndex = prices.index(Math.exp(s.logPrice));
    const highIndex = Math.max(prices.index(Math.exp(start + maxLog)), openIndex, closeIndex);
    const lowIndex = Math.min(prices.index(Math.exp(start + minLog)), openIndex, closeIndex);
    const open = prices.value(openIndex);
    const high = prices.value(highIndex);
    const low = prices.value(lowIndex);
    const close = prices.value(closeIndex);
    // Volume: lognormal around the mean, larger when the candle moved more than usual.
    const meanVolume = (o.dailyNotional * (dtUs / US_PER_DAY)) / close;
    const surprise = variance > 0 ? Math.abs(r) / Math.sqrt(variance) : 0;
    const volumeIndex = lots.index(
      meanVolume * Math.exp(0.4 * s.rng.normal() - 0.08) * (0.6 + 0.5 * surprise),
      0,
    );
    const volume = lots.value(volumeIndex);
    const takerBuy = lots.value(Math.round(volumeIndex * (0.35 + 0.3 * s.rng.uniform())));
    const typical = (open + high + low + close) / 4;
    const quoteVolume = Math.round(volume * typical * 1e4) / 1e4;
    const trades = volumeIndex === 0 ? 0 : Math.max(1, Math.round((volume * typical) / 2500));
    const openTime = formatTime(openUs);
    const time = formatTime(closeUs);
    const record = {
      type: 'candle',
      time,
      exchange: o.exchange,
      symbol: o.symbol,
      interval: interval.text,
      open_time: openTime,
      open,
      high,
      low,
      close,
      volume,
      quote_volume: quoteVolume,
      trades,
      taker_buy_volume: takerBuy,
    };
    const text = `{"type":"candle","time":"${time}",${head},"interval":${intervalText},"open_time":"${openTime}","open":${open},"high":${high},"low":${low},"close":${close},"volume":${volume},"quote_volume":${quoteVolume},"trades":${trades},"taker_buy_volume":${takerBuy}}`;
    openUs = closeUs;
    openIndex = closeIndex;
    return withText(record, text);
  };
}

/** Arrival times in whole milliseconds, exponential gaps, never going backwards. */
function arrivals(o: GenerateOptions, s: PriceState): () => [number, number] {
  let t = o.fromUs;
  const meanUs = US_PER_SECOND / o.rate;
  return () => {
    const prev = t;
    t = Math.max(t, Math.round((t + s.rng.exponential(meanUs)) / US_PER_MS) * US_PER_MS);
    return [t, t - prev];
  };
}

function tradeMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const meanNotional = o.dailyNotional / (o.rate * 86400);
  let id = 0;
  let lastIndex = prices.index(Math.exp(s.logPrice));
  return () => {
    const [t, dt] = next();
    step(s, o, dt);
    const index = prices.index(Math.exp(s.logPrice));
    const side =
      index > lastIndex ? 'buy' : index < lastIndex ? 'sell' : s.rng.uniform() < 0.5 ? 'buy' : 'sell';
    lastIndex = index;
    const price = prices.value(index);
    const amount = lots.value(lots.index((meanNotional / price) * s.rng.exponential(1)));
    id++;
    const time = formatTime(t);
    const record = { type: 'trade', time, exchange: o.exchange, symbol: o.symbol, id, price, amount, side };
    const text = `{"type":"trade","time":"${time}",${head},"id":${id},"price":${price},"amount":${amount},"side":"${side}"}`;
    return withText(record, text);
  };
}

function quoteMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const meanAmount = o.dailyNotional / 86400 / o.price;
  return () => {
    const [t, dt] = next();
    step(s, o, dt);
    const mid = Math.exp(s.logPrice) / o.tickSize;
    let spread = 1;
    while (spread < 8 && s.rng.uniform() < 0.35) spread++;
    const bidIndex = Math.max(1, Math.floor(mid - spread / 2));
    const bidPrice = prices.value(bidIndex);
    const askPrice = prices.value(bidIndex + spread);
    const bidAmount = lots.value(lots.index(meanAmount * s.rng.exponential(1)));
    const askAmount = lots.value(lots.index(meanAmount * s.rng.exponential(1)));
    const time = formatTime(t);
    const record = {
      type: 'quote',
      time,
      exchange: o.exchange,
      symbol: o.symbol,
      bid_price: bidPrice,
      bid_amount: bidAmount,
      ask_price: askPrice,
      ask_amount: askAmount,
    };
    const text = `{"type":"quote","time":"${time}",${head},"bid_price":${bidPrice},"bid_amount":${bidAmount},"ask_price":${askPrice},"ask_amount":${askAmount}}`;
    return withText(record, text);
  };
}

/**
 * Book updates on a contiguous ladder: bids occupy ticks [bid - depth + 1, bid], asks [ask, ask + depth
 * - 1], ask > bid. An update changes 1..maxLevelsPerUpdate levels: amounts near the top change most
 * often, and the price moves by a tick (the best level on one side empties and the ladder shifts, the
 * far end following so each side keeps `depth` levels). The first record is a snapshot.
 */
function bookMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const depth = o.depth;
  const meanAmount = o.dailyNotional / 86400 / o.price;
  const amount = (): number => lots.value(lots.index(meanAmount * s.rng.exponential(1)));
  let bid = prices.index(o.price) - 1;
  let ask = bid + 2;
  let sequence = 0;
  let first = true;
  const target = (): number => Math.round(Math.exp(s.logPrice) / o.tickSize);
  return () => {
    const [t, dt] = next();
    const time = formatTime(t);
    if (first) {
      first = false;
      sequence = 1;
      const bids: [number, number][] = [];
      const asks: [number, number][] = [];
      for (let i = 0; i < depth; i++) bids.push([prices.value(bid - i), amount()]);
      for (let i = 0; i < depth; i++) asks.push([prices.value(ask + i), amount()]);
      return bookRecord(o, head, time, true, bids, asks, sequence, undefined, undefined);
    }
    step(s, o, dt);
    const bidChanges = new Map<number, number>();
    const askChanges = new Map<number, number>();
    const k = s.rng.int(1, o.maxLevelsPerUpdate);
    let updates = 0;
    while (updates < k) {
      const goal = target();
      if (goal > bid + 1 && ask - bid === 1) {
        // Price up: the best ask empties, the ask ladder shifts up one tick.
        askChanges.set(ask, 0);
        askChanges.set(ask + depth, amount());
        ask++;
        updates += 2;
      } else if (goal < ask - 1 && ask - bid === 1 && bid - depth > 1) {
        // Price down: the best bid empties.
        bidChanges.set(bid, 0);
        bidChanges.set(bid - depth, amount());
        bid--;
        updates += 2;
      } else if (ask - bid > 1) {
        // A gap between the sides fills from the side the price moved towards.
        if (goal >= (ask + bid) / 2) {
          bid++;
          bidChanges.set(bid, amount());
          bidChanges.set(bid - depth, 0);
        } else {
          ask--;
          askChanges.set(ask, amount());
          askChanges.set(ask + depth, 0);
        }
        updates += 2;
      } else {
        // Size changes, most often near the top of the book.
        const offset = Math.min(depth - 1, Math.floor(s.rng.exponential(depth / 8)));
        if (s.rng.uniform() < 0.5) bidChanges.set(bid - offset, amount());
        else askChanges.set(ask + offset, amount());
        updates++;
      }
    }
    const prev = sequence;
    sequence += updates;
    const bids = [...bidChanges].map(([i, a]): [number, number] => [prices.value(i), a]);
    const asks = [...askChanges].map(([i, a]): [number, number] => [prices.value(i), a]);
    return bookRecord(o, head, time, false, bids, asks, sequence, prev + 1, prev);
  };
}

function levelsText(levels: readonly [number, number][]): string {
  let text = '[';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    text += `${i === 0 ? '' : ','}[${l[0]},${l[1]}]`;
  }
  return `${text}]`;
}

function bookRecord(
  o: GenerateOptions,
  head: string,
  time: string,
  snapshot: boolean,
  bids: [number, number][],
  asks: [number, number][],
  sequence: number,
  firstSequence: number | undefined,
  prevSequence: number | undefined,
): WireRecord {
  const record: Record<string, unknown> = {
    type: 'book',
    time,
    exchange: o.exchange,
    symbol: o.symbol,
    snapshot,
    bids,
    asks,
    sequence,
  };
  let text = `{"type":"book","time":"${time}",${head},"snapshot":${snapshot},"bids":${levelsText(bids)},"asks":${levelsText(asks)},"sequence":${sequence}`;
  if (firstSequence !== undefined && prevSequence !== undefined) {
    record.first_sequence = firstSequence;
    record.prev_sequence = prevSequence;
    text += `,"first_sequence":${firstSequence},"prev_sequence":${prevSequence}`;
  }
  return withText(record, `${text}}`);
}
