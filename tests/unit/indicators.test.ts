/**
 * The streaming indicators against the `trading-signals` package (an independent, well-known
 * implementation), and against naive whole-window formulas where it has no equivalent.
 */

import {
  ATR as TsATR,
  BollingerBands as TsBollinger,
  EMA as TsEMA,
  MACD as TsMACD,
  RSI as TsRSI,
  SMA as TsSMA,
  VWAP as TsVWAP,
} from 'trading-signals';
import { describe, expect, it } from 'vitest';
import {
  ATR,
  Bollinger,
  CrossOver,
  EMA,
  MACD,
  RollingBeta,
  RSI,
  SMA,
  VWAP,
  ZScore,
} from '../../src/core/backtest/indicators.js';
import { walk } from '../helpers/walk.js';

const bars = walk(2000);
const closes = bars.map((b) => b.close);

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

describe('indicators agree with trading-signals', () => {
  it('SMA: every value, from the first full window', () => {
    const mine = new SMA(20);
    const ref = new TsSMA(20);
    let compared = 0;
    for (const c of closes) {
      const a = mine.update(c);
      const b = ref.update(c, false);
      expect(a === undefined).toBe(b === null);
      if (a !== undefined && b !== null) {
        expect(rel(a, b)).toBeLessThan(1e-12);
        compared++;
      }
    }
    expect(compared).toBe(closes.length - 19);
  });

  it('RSI (Wilder): every value', () => {
    const mine = new RSI(14);
    const ref = new TsRSI(14);
    let compared = 0;
    for (const c of closes) {
      const a = mine.update(c);
      const b = ref.update(c, false);
      if (a !== undefined && b !== null) {
        expect(Math.abs(a - b)).toBeLessThan(1e-9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1900);
  });

  it('ATR (Wilder): every value', () => {
    const mine = new ATR(14);
    const ref = new TsATR(14);
    let compared = 0;
    for (const b of bars) {
      const x = mine.update(b.high, b.low, b.close);
      const y = ref.update(b, false);
      if (x !== undefined && y !== null) {
        expect(rel(x, y)).toBeLessThan(1e-9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1900);
  });

  it('Bollinger bands (population deviation): every value', () => {
    const mine = new Bollinger(20, 2);
    const ref = new TsBollinger(20, 2);
    for (const c of closes) {
      const a = mine.update(c);
      const b = ref.update(c, false);
      expect(a === undefined).toBe(b === null);
      if (a !== undefined && b !== null) {
        expect(rel(a.middle, b.middle)).toBeLessThan(1e-12);
        expect(rel(a.upper, b.upper)).toBeLessThan(1e-9);
        expect(rel(a.lower, b.lower)).toBeLessThan(1e-9);
      }
    }
  });

  it('EMA and MACD: equal once the seeds have decayed (trading-signals seeds with the first value, we with the SMA)', () => {
    const mine = new EMA(10);
    const ref = new TsEMA(10);
    const macd = new MACD(12, 26, 9);
    const refMacd = new TsMACD(new TsEMA(12), new TsEMA(26), new TsEMA(9));
    let a: number | undefined;
    let m: ReturnType<MACD['update']>;
    for (const c of closes) {
      a = mine.update(c);
      ref.update(c, false);
      m = macd.update(c);
      refMacd.update(c, false);
    }
    expect(rel(a!, ref.getResultOrThrow())).toBeLessThan(1e-12);
    const r = refMacd.getResultOrThrow();
    expect(Math.abs(m!.macd - r.macd)).toBeLessThan(1e-9);
    expect(Math.abs(m!.signal - r.signal)).toBeLessThan(1e-9);
    expect(Math.abs(m!.histogram - r.histogram)).toBeLessThan(1e-9);
  });

  it('EMA seeded with the simple average: a hand-worked case', () => {
    const e = new EMA(3);
    expect(e.update(1)).toBeUndefined();
    expect(e.update(2)).toBeUndefined();
    expect(e.update(3)).toBe(2); // (1 + 2 + 3) / 3
    expect(e.update(6)).toBe(4); // 2 + 0.5 * (6 - 2)
  });

  it('VWAP of the typical price (cumulative)', () => {
    const mine = new VWAP();
    const ref = new TsVWAP();
    for (const b of bars) {
      const x = mine.update((b.high + b.low + b.close) / 3, b.volume);
      const y = ref.update(b, false);
      expect(rel(x!, y!)).toBeLessThan(1e-9);
    }
  });
});

describe('indicators against whole-window formulas', () => {
  it('rolling z-score and OLS beta over the last n values', () => {
    const n = 30;
    const z = new ZScore(n);
    const beta = new RollingBeta(n);
    const other = walk(2000, 99).map((b) => b.close);
    for (let i = 0; i < closes.length; i++) {
      const zv = z.update(closes[i]!);
      const bv = beta.update(other[i]!, closes[i]!);
      if (i < n - 1) {
        expect(zv).toBeUndefined();
        continue;
      }
      const ys = closes.slice(i - n + 1, i + 1);
      const xs = other.slice(i - n + 1, i + 1);
      const my = ys.reduce((s, v) => s + v, 0) / n;
      const mx = xs.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(ys.reduce((s, v) => s + (v - my) ** 2, 0) / n);
      expect(Math.abs(zv! - (closes[i]! - my) / sd)).toBeLessThan(1e-6);
      const cov = xs.reduce((s, x, k) => s + (x - mx) * (ys[k]! - my), 0) / n;
      const vx = xs.reduce((s, x) => s + (x - mx) ** 2, 0) / n;
      expect(rel(bv!.beta, cov / vx)).toBeLessThan(1e-6);
      expect(Math.abs(bv!.alpha - (my - (cov / vx) * mx))).toBeLessThan(1e-6);
    }
  });

  it('a million values: the running sums do not drift', () => {
    const s = new SMA(50);
    let last: number | undefined;
    const xs: number[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const x = 40_000 + Math.sin(i) * 1000 + (i % 13) * 0.01;
      last = s.update(x);
      if (i >= 1_000_000 - 50) xs.push(x);
    }
    expect(rel(last!, xs.reduce((a, b) => a + b, 0) / 50)).toBeLessThan(1e-13);
  });

  it('CrossOver: the crossing candle only, looking back to the last non-zero difference (backtrader)', () => {
    const x = new CrossOver();
    const fast = [1, 2, 3, 3, 4, 3, 3, 2, 5];
    const slow = [2, 2, 2, 3, 3, 3, 3, 3, 3];
    // diffs: -1, 0, +1 (up: last non-zero was -1), 0, +1 (no: last was +1), 0, 0, -1 (down), +2 (up)
    expect(fast.map((f, i) => x.update(f, slow[i]!))).toEqual([0, 0, 1, 0, 0, 0, 0, -1, 1]);
  });
});
