/**
 * The indicators added for `tickpipe features`, each against `trading-signals` (an independent
 * implementation; dev dependency) value by value once both are valid, or against a hand-worked case
 * or a brute-force whole-window formula where the package has no equivalent or another convention;
 * and the exact sums against exact rational arithmetic.
 */

import fc from 'fast-check';
import * as ts from 'trading-signals';
import { describe, expect, it } from 'vitest';
import {
  AccumulationDistribution,
  ADX,
  CCI,
  CMF,
  DEMA,
  Donchian,
  ExactSum,
  indicators,
  Keltner,
  LogReturn,
  MFI,
  Momentum,
  OBV,
  ParabolicSAR,
  ROC,
  RollingExtreme,
  RollingVolatility,
  StdDev,
  Stochastic,
  TEMA,
  TrueRange,
  WilliamsR,
  WMA,
} from '../../src/core/indicators/index.js';
import { walk } from '../helpers/walk.js';

const bars = walk(1500);
type Bar = (typeof bars)[number];

/**
 * Feeds both, compares every value once both are defined (after `skip` more values for EMA-seeded
 * recursions whose first values follow another seeding); returns how many were compared.
 */
function agree<A, B>(
  mine: (b: Bar) => A | undefined,
  theirs: (b: Bar) => B | null,
  pick: (a: A, b: B) => [number, number][],
  tol = 1e-9,
  skip = 0,
): number {
  let compared = 0;
  let both = 0;
  for (const b of bars) {
    const a = mine(b);
    const t = theirs(b);
    if (a === undefined || a === null || t === null || t === undefined) continue;
    if (both++ < skip) continue;
    for (const [x, y] of pick(a, t))
      expect(Math.abs(x - y) / Math.max(1, Math.abs(y)), `${x} vs ${y}`).toBeLessThan(tol);
    compared++;
  }
  return compared;
}
const num = (a: number, b: number): [number, number][] => [[a, b]];
const upd =
  <T>(i: { update(x: T, replace?: boolean): unknown }) =>
  (x: T) =>
    i.update(x, false) as never;

describe('indicator families agree with trading-signals', () => {
  it.each([
    ['WMA(10)', () => new WMA(10), () => new ts.WMA(10), 0],
    ['DEMA(10)', () => new DEMA(10), () => new ts.DEMA(10), 100],
    ['TEMA(10)', () => new TEMA(10), () => new ts.TEMA(10), 200],
    ['ROC(12)', () => new ROC(12), () => new ts.ROC(12), 0],
    ['Momentum(12)', () => new Momentum(12), () => new ts.MOM(12), 0],
  ] as const)('%s on closes', (_n, m, t, skip) => {
    const a = m();
    const b = upd(t() as never);
    const n = agree(
      (x) => a.update(x.close),
      (x) => b(x.close),
      num,
      1e-9,
      skip,
    );
    expect(n).toBeGreaterThan(1000);
  });

  it('Stochastic(14, 3, 3): %K and %D', () => {
    const a = new Stochastic(14, 3, 3);
    const b = new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 });
    expect(
      agree(
        (x) => a.update(x.high, x.low, x.close),
        (x) => b.update(x, false),
        (p, q) => [
          [p.k, q.stochK],
          [p.d, q.stochD],
        ],
      ),
    ).toBe(bars.length - 14 - 2 - 2 + 1);
  });

  it('Williams %R(14), CCI(20), Donchian(20), true range', () => {
    const w = new WilliamsR(14);
    const tw = new ts.WilliamsR(14);
    expect(
      agree(
        (x) => w.update(x.high, x.low, x.close),
        (x) => tw.update(x, false),
        num,
      ),
    ).toBe(bars.length - 13);
    const c = new CCI(20);
    const tc = new ts.CCI(20);
    expect(
      agree(
        (x) => c.update(x.high, x.low, x.close),
        (x) => tc.update(x, false),
        num,
        1e-8,
      ),
    ).toBe(bars.length - 19);
    const d = new Donchian(20);
    const td = new ts.DonchianChannels(20);
    expect(
      agree(
        (x) => d.update(x.high, x.low),
        (x) => td.update(x, false),
        (p, q) => [
          [p.upper, q.upper],
          [p.lower, q.lower],
          [p.middle, q.middle],
        ],
      ),
    ).toBe(bars.length - 19);
    const tr = new TrueRange();
    const ttr = new ts.TR();
    expect(
      agree(
        (x) => tr.update(x.high, x.low, x.close),
        (x) => ttr.update(x, false),
        num,
      ),
    ).toBe(bars.length);
  });

  it('Keltner(20, 2, 10): EMA of the close +- 2 ATR', () => {
    const k = new Keltner(20, 2, 10);
    const tk = new ts.KeltnerChannels({ emaInterval: 20, multiplier: 2, atrInterval: 10 });
    expect(
      agree(
        (x) => k.update(x.high, x.low, x.close),
        (x) => tk.update(x, false),
        (p, q) => [
          [p.middle, q.middle],
          [p.upper, q.upper],
          [p.lower, q.lower],
        ],
        1e-9,
        300,
      ),
    ).toBeGreaterThan(1100);
  });

  it('ADX(14) with +DI and -DI (trading-signals gives the DIs as fractions)', () => {
    const a = new ADX(14);
    const t = new ts.ADX(14);
    expect(
      agree(
        (x) => a.update(x.high, x.low, x.close),
        (x) => {
          const v = t.update(x, false);
          return v === null ? null : { adx: v, pdi: 100 * Number(t.pdi), mdi: 100 * Number(t.mdi) };
        },
        (p, q) => [
          [p.adx, q.adx],
          [p.pdi, q.pdi],
          [p.mdi, q.mdi],
        ],
        1e-9,
        100,
      ),
    ).toBeGreaterThan(1300);
  });

  it('OBV, MFI(14), accumulation/distribution, CMF(20)', () => {
    const o = new OBV();
    const to = new ts.OBV(2); // its window: the previous and the current candle
    expect(
      agree(
        (x) => o.update(x.close, x.volume),
        (x) => to.update(x, false),
        num,
      ),
    ).toBe(bars.length - 1);
    const m = new MFI(14);
    const tm = new ts.MFI(14);
    expect(
      agree(
        (x) => m.update(x.high, x.low, x.close, x.volume),
        (x) => tm.update(x, false),
        num,
      ),
    ).toBe(bars.length - 14);
    const ad = new AccumulationDistribution();
    const tad = new ts.AD();
    expect(
      agree(
        (x) => ad.update(x.high, x.low, x.close, x.volume),
        (x) => tad.update(x, false),
        num,
      ),
    ).toBe(bars.length);
    const c = new CMF(20);
    const tc = new ts.CMF(20);
    expect(
      agree(
        (x) => c.update(x.high, x.low, x.close, x.volume),
        (x) => tc.update(x, false),
        num,
      ),
    ).toBe(bars.length - 19);
  });
});

describe('indicators against whole-window formulas and hand-worked cases', () => {
  const closes = bars.map((b) => b.close);

  it('StdDev(20) sample and population, log returns, rolling volatility', () => {
    const s = new StdDev(20);
    const p = new StdDev(20, false);
    const lr = new LogReturn(1);
    const rv = new RollingVolatility(20);
    const logs: number[] = [];
    closes.forEach((c, i) => {
      const a = s.update(c);
      const b = p.update(c);
      const r = lr.update(c);
      const v = rv.update(c);
      if (i > 0) {
        expect(r).toBeCloseTo(Math.log(c / closes[i - 1]!), 14);
        logs.push(r!);
      } else expect(r).toBeUndefined();
      if (i >= 19) {
        const win = closes.slice(i - 19, i + 1);
        const mean = win.reduce((x, y) => x + y, 0) / 20;
        const ss = win.reduce((x, y) => x + (y - mean) ** 2, 0);
        expect(a! / Math.sqrt(ss / 19) - 1).toBeLessThan(1e-9);
        expect(b! / Math.sqrt(ss / 20) - 1).toBeLessThan(1e-9);
      }
      if (i >= 20) {
        const win = logs.slice(-20);
        const mean = win.reduce((x, y) => x + y, 0) / 20;
        expect(Math.abs(v! / Math.sqrt(win.reduce((x, y) => x + (y - mean) ** 2, 0) / 19) - 1)).toBeLessThan(
          1e-7,
        );
      } else expect(v).toBeUndefined();
    });
  });

  it('Parabolic SAR, hand-worked: a rise, the reversal on the candle that reaches the SAR', () => {
    const sar = new ParabolicSAR(0.02, 0.2);
    const out = [
      [10, 9], // first: nothing
      [11, 10], // midpoint up: long; SAR = min low 9, EP = 11, AF 0.02
      [12, 11], // 9 + 0.02 (11 - 9) = 9.04, kept at or below the last two lows (10, 9): 9; EP 12, AF 0.04
      [13, 12], // 9 + 0.04 (12 - 9) = 9.12 (lows 11, 10 are above it); EP 13, AF 0.06
      [12.5, 9], // 9.12 + 0.06 (13 - 9.12) = 9.3528; the low 9 reaches it: short, SAR = EP 13, EP 9
      [11, 10], // 13 + 0.02 (9 - 13) = 12.92, kept at or above the last two highs (13, 12.5): 13
    ].map(([h, l]) => sar.update(h!, l!));
    expect(out[0]).toBeUndefined();
    expect(out.slice(1).map((x) => Number(x!.toFixed(10)))).toEqual([9, 9, 9.12, 13, 13]);
  });

  it('RollingExtreme: max and min of the last n and how long ago, against brute force', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 12 }),
        (xs, n) => {
          const hi = new RollingExtreme(n, 'max');
          const lo = new RollingExtreme(n, 'min');
          xs.forEach((x, i) => {
            const win = xs.slice(Math.max(0, i - n + 1), i + 1);
            expect(hi.push(x)).toBe(Math.max(...win));
            expect(lo.push(x)).toBe(Math.min(...win));
            expect(win.length - 1 - win.lastIndexOf(Math.max(...win))).toBe(hi.age);
          });
        },
      ),
    );
  });

  it('ExactSum: adding and removing keeps the exactly rounded sum of what is in it (vs exact rationals)', () => {
    /** The exact sum of doubles in BigInt units of 2^-1100, rounded to a double once. */
    const exact = (xs: number[]) => {
      const SHIFT = 1100n;
      const toUnits = (x: number) => {
        if (x === 0) return 0n;
        const buf = new DataView(new ArrayBuffer(8));
        buf.setFloat64(0, x);
        const bits = buf.getBigUint64(0);
        const exp = Number((bits >> 52n) & 0x7ffn);
        const frac = bits & ((1n << 52n) - 1n);
        const mant = exp === 0 ? frac : frac | (1n << 52n);
        const e = BigInt((exp === 0 ? 1 : exp) - 1075);
        const u = mant << (e + SHIFT);
        return bits >> 63n ? -u : u;
      };
      const total = xs.reduce((s, x) => s + toUnits(x), 0n);
      // Number(BigInt) rounds to nearest, ties to even; the power of two scaling back is exact here.
      const neg = total < 0n;
      let t = neg ? -total : total;
      let shift = 0n;
      while (t >= 1n << 1000n) {
        // keep a sticky bit so halving does not change the rounding
        t = (t >> 1n) | (t & 1n);
        shift++;
      }
      // two exact power-of-two steps (2^-1100 itself is below the smallest double)
      const v = Number(t) * 2 ** Number(shift - SHIFT / 2n) * 2 ** -Number(SHIFT / 2n);
      return neg ? -v : v;
    };
    fc.assert(
      fc.property(
        // normal doubles (or 0), so that no exact sum is subnormal
        fc.array(
          fc
            .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
            .filter((x) => x === 0 || Math.abs(x) > 1e-150),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 10 }),
        (xs, n) => {
          const s = new ExactSum();
          xs.forEach((x, i) => {
            s.add(x);
            if (i >= n) s.remove(xs[i - n]!);
            expect(s.value).toBe(exact(xs.slice(Math.max(0, i - n + 1), i + 1)));
          });
        },
      ),
    );
  });

  it('strategies get every indicator through ctx.indicators: at least 30', () => {
    expect(Object.keys(indicators).length).toBeGreaterThanOrEqual(30);
  });
});
