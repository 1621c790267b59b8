/**
 * The built-in strategies (docs/strategies.md). Each keeps its state per instrument
 * (`exchange:symbol`) and decides on candle closes, except `market-maker`, which quotes on top-of-book
 * changes. They use nothing a user's module could not: the context and the indicators.
 */

import type { WireRecord } from '../records/record.js';
import { Bollinger, CrossOver, EMA, RollingBeta, RSI, ZScore } from './indicators.js';
import { SmaPair } from './sma-pair.js';
import type { Decision, Intent, StrategyContext, StrategyFactory } from './strategy.js';

/**
 * A state per instrument, made on first sight: by exchange, then symbol, so a lookup builds no key
 * string (over 100,000 symbols a string per record and a set that large cost buy-and-hold 0.4 s).
 */
function perInstrument<T>(make: () => T): (r: WireRecord) => T {
  const byVenue = new Map<unknown, Map<unknown, T>>();
  let lastEx: unknown;
  let lastSym: unknown;
  let last: T | undefined;
  return (r) => {
    if (last !== undefined && r.symbol === lastSym && r.exchange === lastEx) return last;
    let venue = byVenue.get(r.exchange);
    if (venue === undefined) {
      venue = new Map();
      byVenue.set(r.exchange, venue);
    }
    let s = venue.get(r.symbol);
    if (s === undefined) {
      s = make();
      venue.set(r.symbol, s);
    }
    lastEx = r.exchange;
    lastSym = r.symbol;
    last = s;
    return s;
  };
}

function n(params: Readonly<Record<string, unknown>>, name: string): number {
  return Number(params[name]);
}

/** Enter long (and, with long_short, short) and exit on signals: the shared shape of the trend strategies. */
function target(ctx: StrategyContext, r: WireRecord, want: -1 | 0 | 1, longShort: boolean): Decision {
  const pos = ctx.position(String(r.symbol), String(r.exchange)).amount;
  const w = !longShort && want < 0 ? 0 : want;
  const out: Intent[] = [];
  if ((w <= 0 && pos > 0) || (w >= 0 && pos < 0)) out.push({ close: true });
  if (w > 0 && pos <= 0) out.push({ side: 'buy' });
  if (w < 0 && pos >= 0) out.push({ side: 'sell' });
  return out;
}

const smaCross: StrategyFactory = {
  name: 'sma-cross',
  description:
    "Moving-average crossover: buys on the candle where SMA(fast) crosses above SMA(slow), closes (and with long_short=true goes short) where it crosses below. Acts on the crossing only, as backtrader's CrossOver.",
  defaults: { fast: 10, slow: 30, long_short: false },
  create(params) {
    const fast = n(params, 'fast');
    const slow = n(params, 'slow');
    const longShort = params.long_short === true;
    // The two SMAs in integers (sma-pair.ts): the same doubles as SMA(fast) and SMA(slow).
    const state = perInstrument(() => ({ sma: new SmaPair(fast, slow), x: new CrossOver() }));
    return {
      onRecord(r, ctx) {
        if (r.type !== 'candle') return;
        const st = state(r);
        st.sma.update(r.close as number);
        const f = st.sma.fast;
        const s = st.sma.slow;
        if (f === undefined || s === undefined) return;
        const cross = st.x.update(f, s);
        if (cross === 0) return;
        const pos = ctx.position(r.symbol as string, r.exchange as string).amount;
        if (cross > 0) {
          if (pos < 0) return [{ close: true }, { side: 'buy' }];
          return pos === 0 ? { side: 'buy' } : undefined;
        }
        if (pos > 0) return longShort ? [{ close: true }, { side: 'sell' }] : { close: true };
        return longShort && pos === 0 ? { side: 'sell' } : undefined;
      },
    };
  },
};

const buyAndHold: StrategyFactory = {
  name: 'buy-and-hold',
  description: 'Buys once, on the first candle, trade or quote of each instrument, and holds (a benchmark).',
  defaults: {},
  create() {
    const state = perInstrument(() => ({ bought: false }));
    return {
      onRecord(r) {
        if (r.type !== 'candle' && r.type !== 'trade' && r.type !== 'quote') return;
        const s = state(r);
        if (s.bought) return;
        s.bought = true;
        return { side: 'buy' };
      },
    };
  },
};

const meanReversion: StrategyFactory = {
  name: 'mean-reversion',
  description:
    'Buys when the close falls below the lower Bollinger band (mode=bollinger) or its rolling z-score below -entry (mode=zscore), exits at the middle band or when |z| < exit; long_short=true also sells the upper side.',
  defaults: { window: 20, k: 2, mode: 'bollinger', entry: 2, exit: 0.5, long_short: false },
  create(params) {
    const window = n(params, 'window');
    const k = n(params, 'k');
    const entry = n(params, 'entry');
    const exit = n(params, 'exit');
    const zMode = params.mode === 'zscore';
    const longShort = params.long_short === true;
    const state = perInstrument(() => ({ b: new Bollinger(window, k), z: new ZScore(window) }));
    return {
      onRecord(r, ctx) {
        if (r.type !== 'candle') return;
        const st = state(r);
        const c = r.close as number;
        const pos = ctx.position(r.symbol as string, r.exchange as string).amount;
        if (zMode) {
          const z = st.z.update(c);
          if (z === undefined) return;
          if (z < -entry) return target(ctx, r, 1, longShort);
          if (z > entry) return target(ctx, r, -1, longShort);
          if (Math.abs(z) < exit && pos !== 0) return target(ctx, r, 0, longShort);
          return;
        }
        const b = st.b.update(c);
        if (b === undefined) return;
        if (c < b.lower) return target(ctx, r, 1, longShort);
        if (c > b.upper) return target(ctx, r, -1, longShort);
        if ((pos > 0 && c >= b.middle) || (pos < 0 && c <= b.middle)) return target(ctx, r, 0, longShort);
      },
    };
  },
};

const momentum: StrategyFactory = {
  name: 'momentum',
  description:
    'Trend following: long while EMA(fast) > EMA(slow) and RSI(rsi) is below rsi_max (not overbought) at entry; exits when the trend turns. long_short=true mirrors it (short entries need RSI above rsi_min).',
  defaults: { fast: 20, slow: 50, rsi: 14, rsi_max: 70, rsi_min: 30, long_short: false },
  create(params) {
    const longShort = params.long_short === true;
    const rsiMax = n(params, 'rsi_max');
    const rsiMin = n(params, 'rsi_min');
    const state = perInstrument(() => ({
      f: new EMA(n(params, 'fast')),
      s: new EMA(n(params, 'slow')),
      r: new RSI(n(params, 'rsi')),
    }));
    return {
      onRecord(r, ctx) {
        if (r.type !== 'candle') return;
        const st = state(r);
        const c = r.close as number;
        const f = st.f.update(c);
        const s = st.s.update(c);
        const rsi = st.r.update(c);
        if (f === undefined || s === undefined || rsi === undefined) return;
        const pos = ctx.position(r.symbol as string, r.exchange as string).amount;
        if (f > s) {
          if (pos > 0) return;
          if (pos < 0) return target(ctx, r, rsi < rsiMax ? 1 : 0, longShort);
          return rsi < rsiMax ? target(ctx, r, 1, longShort) : undefined;
        }
        if (f < s) {
          if (pos < 0) return;
          if (pos > 0) return target(ctx, r, longShort && rsi > rsiMin ? -1 : 0, longShort);
          return longShort && rsi > rsiMin ? target(ctx, r, -1, longShort) : undefined;
        }
      },
    };
  },
};

const pairs: StrategyFactory = {
  name: 'pairs',
  description:
    'Statistical arbitrage on two symbols (a=..., b=...; default the first two seen): a rolling OLS hedge ratio of a on b over window candles, and the z-score of the spread a - beta * b; enters short a / long b when z > entry, long a / short b when z < -entry, and closes both when |z| < exit. Needs short selling (perpetuals, or execution.allow_short).',
  defaults: { a: '', b: '', window: 60, entry: 2, exit: 0.5 },
  create(params) {
    const window = n(params, 'window');
    const entry = n(params, 'entry');
    const exit = n(params, 'exit');
    let a = String(params.a ?? '');
    let b = String(params.b ?? '');
    const beta = new RollingBeta(window);
    const z = new ZScore(window);
    let pa: { t: string; c: number } | undefined;
    let pb: { t: string; c: number } | undefined;
    let exchange = '';
    let lastT = '';
    return {
      onRecord(r, ctx) {
        if (r.type !== 'candle') return;
        const sym = r.symbol as string;
        if (a === '') a = sym;
        else if (b === '' && sym !== a) b = sym;
        if (sym === a) {
          pa = { t: r.time as string, c: r.close as number };
          exchange = r.exchange as string;
        } else if (sym === b) pb = { t: r.time as string, c: r.close as number };
        else return;
        if (pa === undefined || pb === undefined || pa.t !== pb.t || pa.t === lastT) return;
        lastT = pa.t;
        const h = beta.update(pb.c, pa.c);
        if (h === undefined) return;
        const spread = pa.c - h.beta * pb.c;
        const zz = z.update(spread);
        if (zz === undefined) return;
        const posA = ctx.position(a, exchange).amount;
        if (posA === 0 && Math.abs(zz) > entry && h.beta > 0) {
          // The hedge: the amount of a from the configured sizing, and beta times that of b.
          const amountA = ctx.size(a, exchange);
          if (!(amountA > 0)) return;
          const amountB = h.beta * amountA;
          const sideA = zz > 0 ? 'sell' : 'buy';
          const sideB = zz > 0 ? 'buy' : 'sell';
          return [
            { side: sideA, amount: amountA, symbol: a, exchange },
            { side: sideB, amount: amountB, symbol: b, exchange },
          ];
        }
        if (posA !== 0 && Math.abs(zz) < exit)
          return [
            { close: true, symbol: a, exchange },
            { close: true, symbol: b, exchange },
          ];
        return undefined;
      },
    };
  },
};

const marketMaker: StrategyFactory = {
  name: 'market-maker',
  description:
    'Quotes a post-only bid and ask around the mid (spread_bps apart), skewed against inventory by skew_bps per unit of max_inventory held, and requotes when the mid moves more than requote_bps or after a fill. Needs quote or book data (run it after `tickpipe orderbook`).',
  defaults: { spread_bps: 10, skew_bps: 5, max_inventory: 1, requote_bps: 2 },
  create(params) {
    const half = n(params, 'spread_bps') / 20_000;
    const skew = n(params, 'skew_bps') / 10_000;
    const maxInv = n(params, 'max_inventory');
    const requote = n(params, 'requote_bps') / 10_000;
    const lastMid = perInstrument(() => ({ mid: Number.NaN }));
    const quote = (r: WireRecord, ctx: StrategyContext, mid: number): Intent[] => {
      const sym = r.symbol as string;
      const ex = r.exchange as string;
      lastMid(r).mid = mid;
      const inv = ctx.position(sym, ex).amount;
      const tilt = maxInv > 0 ? (inv / maxInv) * skew : 0;
      const out: Intent[] = [{ cancel: 'all' }];
      if (inv < maxInv)
        out.push({ side: 'buy', kind: 'limit', price: mid * (1 - half - tilt), post_only: true });
      if (inv > -maxInv)
        out.push({ side: 'sell', kind: 'limit', price: mid * (1 + half - tilt), post_only: true });
      return out;
    };
    return {
      onRecord(r, ctx) {
        if (r.type !== 'quote') return;
        const bid = r.bid_price as number;
        const ask = r.ask_price as number;
        if (!(bid > 0 && ask > 0)) return;
        const mid = (bid + ask) / 2;
        const last = lastMid(r).mid;
        if (!Number.isNaN(last) && Math.abs(mid - last) / last < requote) return;
        return quote(r, ctx, mid);
      },
      onFill(f, ctx) {
        const p = ctx.price(f.symbol as string, f.exchange as string);
        if (p === undefined) return;
        return quote(f, ctx, p);
      },
    };
  },
};

export const BUILTIN_STRATEGIES: readonly StrategyFactory[] = [
  smaCross,
  meanReversion,
  momentum,
  pairs,
  marketMaker,
  buyAndHold,
];

export function builtinStrategy(name: string): StrategyFactory | undefined {
  return BUILTIN_STRATEGIES.find((s) => s.name === name);
}
