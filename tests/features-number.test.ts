/**
 * `writeShortest` (src/core/features/shortest.ts), the number writer of `features`' byte path: the
 * same text as String(x) for every double, over fast-check's doubles (which favour the edges) and
 * millions of values of the kinds indicators produce; and it does write most of those itself,
 * rather than leave them to String.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tryShortest, writeShortest } from '../src/core/features/shortest.js';
import { Rng } from '../src/core/generate/random.js';
import { EMA, RSI, SMA } from '../src/core/indicators/index.js';

const buf = Buffer.alloc(64);
const text = (x: number) => buf.toString('latin1', 0, writeShortest(buf, 0, x));

/** The doubles whose bits are `hi` and `lo`. */
function fromBits(hi: number, lo: number): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  u[le ? 1 : 0] = hi;
  u[le ? 0 : 1] = lo;
  return f[0]!;
}

/** The double next to x away from zero (x > 0). */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0]! += 1n;
  return f[0]!;
}

/** Counts mismatches (keeping the first few) and how many values the fast path wrote. */
function compare(values: Iterable<number>) {
  const bad: string[] = [];
  let n = 0;
  let fast = 0;
  for (const x of values) {
    n++;
    const want = String(x);
    if (text(x) !== want && bad.length < 5) bad.push(`${want} written as ${text(x)}`);
    const end = tryShortest(buf, 0, x);
    if (end >= 0) {
      fast++;
      if (buf.toString('latin1', 0, end) !== want && bad.length < 5) bad.push(`${want} (fast path)`);
    }
  }
  return { bad, n, fast };
}

describe('features: writeShortest writes what String(x) writes', () => {
  it('for fast-check doubles, edges and all', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(text(x)).toBe(String(x));
      }),
      { numRuns: 100000 },
    );
  });

  it('for named hard cases', () => {
    // As text: some do not read back as written (the point of them).
    const cases = [
      ...'0 -0 1 -1 0.1 0.2 0.3 100 1e15 1e16 1e17 1e21 123456789012345680 9007199254740993 0.5 0.25 1e-6 1e-7 9.999999999999999e-7 1.0000000000000002e-6 5e-324 2.2250738585072014e-308 1.7976931348623157e308 42021.43 42021.430000000004 99999999999999.98 9999999999999998 0.000001234567890123456 4.35 0.07 1.005 2.675 8.41 12345.678901234567'
        .split(' ')
        .map(Number),
      0.1 + 0.2,
      1 / 3,
      2 / 3,
      2 ** 53,
      2 ** -20,
    ];
    const { bad } = compare(cases.flatMap((x) => [x, -x, nextUp(Math.abs(x) || 1)]));
    expect(bad).toEqual([]);
  });

  it('for millions of values of the kinds indicators write, nearly all by the fast path', () => {
    const rng = new Rng(21);
    function* values() {
      // Indicator values over cent prices: averages, RSI (0..100), MACD (small, either sign).
      const sma = new SMA(20);
      const ema = new EMA(12);
      const rsi = new RSI(14);
      let price = 42000;
      for (let i = 0; i < 200000; i++) {
        price = Math.round((price + rng.normal() * 5) * 100) / 100;
        yield price;
        const s = sma.update(price);
        const e = ema.update(price);
        const r = rsi.update(price);
        if (s !== undefined) yield s;
        if (e !== undefined) yield e;
        if (r !== undefined) yield r;
        if (s !== undefined && e !== undefined) yield e - s;
        yield price / 20;
        yield Math.log(price / 42000);
      }
    }
    const indicators = compare(values());
    expect(indicators.bad).toEqual([]);
    expect(indicators.fast / indicators.n).toBeGreaterThan(0.99);
  });

  it('for doubles of random bits, of every magnitude, and next to powers of ten', () => {
    const rng = new Rng(7);
    function* values() {
      for (let i = 0; i < 500000; i++) {
        const x = fromBits(rng.uint32(), rng.uint32());
        if (Number.isFinite(x)) yield x;
        // Uniform significands over 1e-8 .. 1e18, where the fast path works and around it.
        yield rng.uniform() * 10 ** rng.int(-8, 18);
      }
      for (let k = -8; k <= 18; k++) {
        let x = 10 ** k;
        for (let i = 0; i < 50; i++) x = nextUp(x);
        for (let i = 0; i < 100; i++) {
          yield x;
          x = nextUp(x);
        }
      }
      // Decimals of 15 to 17 digits, which sit near the middle between doubles.
      for (let i = 0; i < 200000; i++)
        yield Number(
          `${rng.int(1, 9)}.${String(rng.uint32()).padStart(10, '0')}${rng.int(0, 99999)}e${rng.int(-6, 16)}`,
        );
    }
    const { bad, n } = compare(values());
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThan(1_000_000);
  });
});
