/**
 * The order book against a reference (a Map and a sort per question), its formulas by hand, and the
 * venues' sequencing rules as a table.
 */

import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/core/book/book.js';
import { BookSide } from '../../src/core/book/levels.js';
import { ruleFor, Sequencer, type Verdict } from '../../src/core/book/sequence.js';
import { Rng } from '../../src/core/generate/random.js';

describe('BookSide', () => {
  it.each(['bids', 'asks'] as const)('%s: 50,000 random sets agree with a sorted Map', (side) => {
    const rng = new Rng(side === 'bids' ? 3 : 4);
    const s = new BookSide(side);
    const ref = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      // Prices as a venue sends them: decimals on a 0.01 grid, never computed in the book.
      const price = Number((100 + rng.int(0, 3000) / 100).toFixed(2));
      const amount = rng.uniform() < 0.35 ? 0 : Number((rng.uniform() * 5).toFixed(5));
      s.set(price, amount);
      if (amount === 0) ref.delete(price);
      else ref.set(price, amount);
      if (i % 5000 === 0) s.check();
    }
    s.check();
    const sorted = [...ref.entries()].sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]));
    expect(s.size).toBe(ref.size);
    expect(s.top(ref.size + 5)).toEqual(sorted);
    expect(s.best()).toEqual(sorted[0]);
    expect(s.topVolume(7)).toBeCloseTo(
      sorted.slice(0, 7).reduce((t, l) => t + l[1], 0),
      9,
    );
    const limit = sorted[Math.floor(sorted.length / 3)]![0];
    const expected = sorted
      .filter(([p]) => (side === 'bids' ? p >= limit : p <= limit))
      .reduce((t, l) => t + l[1], 0);
    expect(s.volumeTo(limit)).toBeCloseTo(expected, 9);
    for (const [p, a] of sorted.slice(0, 50)) expect(s.amount(p)).toBe(a);
    expect(s.amount(99.999)).toBeUndefined();
  });

  it.each(['bids', 'asks'] as const)(
    '%s: a drifting market (levels added and removed at both ends and near the top) agrees with a sorted Map',
    (side) => {
      // The top and the far end of a book are the two ends of its blocks, which take their own
      // paths (shift/unshift at the front, push/pop at the back).
      const rng = new Rng(side === 'bids' ? 5 : 6);
      const s = new BookSide(side);
      const ref = new Map<number, number>();
      const put = (tick: number, computed: number): void => {
        // Prices and amounts as a venue sends them: decimals (1 + 0.68 is 1.6800000000000002).
        const price = Number((tick / 100).toFixed(2));
        const amount = Number(computed.toFixed(2));
        s.set(price, amount);
        if (amount === 0) ref.delete(price);
        else ref.set(price, amount);
      };
      let lo = 10_000;
      let hi = 10_500;
      for (let t = lo; t <= hi; t++) put(t, 1 + rng.int(0, 100) / 100);
      for (let i = 0; i < 40_000; i++) {
        const r = rng.uniform();
        if (r < 0.2) put(lo++, 0);
        else if (r < 0.4 && hi - lo > 2) put(hi--, 0);
        else if (r < 0.6) put(--lo, 2 + rng.int(0, 50) / 100);
        else if (r < 0.8) put(++hi, 3 + rng.int(0, 50) / 100);
        else put(lo + rng.int(0, Math.min(20, hi - lo)), rng.uniform() < 0.3 ? 0 : rng.int(1, 9) / 10);
        if (i % 4000 === 0) s.check();
      }
      s.check();
      const sorted = [...ref.entries()].sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]));
      expect(s.size).toBe(ref.size);
      expect(s.top(ref.size)).toEqual(sorted);
      // The depth is exact: the amounts have at most 2 places, so their sum in hundredths is a whole
      // number, and the depth is the double nearest it (not a float sum's neighbour).
      for (const cut of [1, 7, Math.floor(sorted.length / 2), sorted.length]) {
        const hundredths = sorted.slice(0, cut).reduce((t, l) => t + Math.round(l[1] * 100), 0);
        expect(s.volumeTo(sorted[cut - 1]![0])).toBe(hundredths / 100);
      }
    },
  );

  it('depth sums: exact in units that follow the amounts to 8 places, a float sum beyond, exact again once cleared', () => {
    const s = new BookSide('asks');
    const exactSum = (levels: [number, string][]): number => {
      // The decimal sum, by hand: whole numbers of 10^-8 as BigInt.
      let total = 0n;
      for (const [, a] of levels) {
        const [int, frac = ''] = a.split('.');
        total += BigInt(int!) * 10n ** 8n + BigInt(frac.padEnd(8, '0'));
      }
      return Number(total) / 1e8;
    };
    const levels: [number, string][] = [];
    const add = (p: number, a: string) => {
      levels.push([p, a]);
      s.set(p, Number(a));
    };
    // Whole amounts, then ever more places: the units get finer and the sums are converted.
    for (let i = 0; i < 300; i++) add(100 + i, String(1 + (i % 9)));
    expect(s.volumeTo(1000)).toBe(exactSum(levels));
    for (let i = 300; i < 600; i++) add(100 + i, (0.1 * (1 + (i % 7))).toFixed(1));
    for (let i = 600; i < 900; i++) add(100 + i, `0.${String(10_000_001 + i * 37).slice(1)}`);
    s.check();
    expect(s.volumeTo(1000)).toBe(exactSum(levels));
    expect(s.volumeTo(100 + 650)).toBe(exactSum(levels.slice(0, 651)));
    // 0.1 x 3 levels: a float sum would say 0.30000000000000004.
    const t = new BookSide('bids');
    for (const p of [1, 2, 3]) t.set(p, 0.1);
    expect(t.volumeTo(1)).toBe(0.3);
    // An amount of 10 places: float sums from then on (close, not exact), until cleared.
    add(2000, '0.0000000001');
    s.check();
    const float = levels.reduce((x, [, a]) => x + Number(a), 0);
    expect(s.volumeTo(3000)).toBeCloseTo(float, 9);
    s.clear();
    for (const p of [1, 2, 3]) s.set(p, 0.1);
    expect(s.volumeTo(3)).toBe(0.3);
    // A huge amount (2^40 units and more) is not taken exactly either.
    s.set(4, 2 ** 45);
    s.check();
    expect(s.volumeTo(4)).toBeCloseTo(0.3 + 2 ** 45, 3);
  });

  it('removing an unknown level is silent', () => {
    const s = new BookSide('asks');
    s.set(1, 0);
    s.set(2, 3);
    s.set(5, 0);
    expect(s.top(5)).toEqual([[2, 3]]);
  });
});

describe('OrderBook figures', () => {
  const book = new OrderBook();
  book.apply(
    [
      [99.5, 2],
      [99, 4],
      [98, 10],
    ],
    [
      [100.5, 1],
      [101, 3],
      [103, 20],
    ],
    true,
  );

  it('mid, microprice, imbalance, depth within a band: worked by hand', () => {
    expect(book.mid()).toBe(100);
    // (99.5 * 1 + 100.5 * 2) / (2 + 1) = 300.5 / 3
    expect(book.microprice()).toBeCloseTo(300.5 / 3, 12);
    // top 2: bids 2 + 4 = 6, asks 1 + 3 = 4: (6 - 4) / 10
    expect(book.imbalance(2)).toBeCloseTo(0.2, 12);
    // 100 bps of mid 100: prices 99..101
    expect(book.depthWithin(100)).toEqual({ bid: 6, ask: 4 });
    expect(book.snapshot(1)).toEqual({ bids: [[99.5, 2]], asks: [[100.5, 1]] });
  });

  it('a delta that crosses the book is seen; uncross drops the stale side', () => {
    const b = new OrderBook();
    b.apply(
      [
        [99, 1],
        [98, 1],
      ],
      [
        [100, 1],
        [101, 1],
        [102, 1],
      ],
      true,
    );
    b.apply([[101.5, 2]], [], false);
    expect(b.crossed()).toBe(true);
    expect(b.uncross('asks')).toBe(2);
    expect(b.crossed()).toBe(false);
    expect(b.snapshot(5).asks).toEqual([[102, 1]]);
    // A locked book (equal prices) is not crossed.
    b.apply([], [[101.5, 1]], false);
    expect(b.crossed()).toBe(false);
  });
});

describe('sequencing rules', () => {
  const run = (
    exchange: string,
    snapshot: number,
    updates: [number, (number | undefined)?, number?][],
  ): Verdict[] => {
    const s = new Sequencer(ruleFor(exchange));
    s.snapshot(snapshot);
    return updates.map(([sequence, first, prev]) => s.check({ sequence, first, prev }));
  };

  it('Binance spot: drop u <= L; the first straddles L+1; then U = previous u + 1', () => {
    expect(
      run('binance_spot', 100, [
        [95, 90],
        [100, 96],
        [103, 99],
        [107, 104],
        [110, 109],
      ]),
    ).toEqual(['stale', 'stale', 'apply', 'apply', 'gap']);
    expect(run('binance_spot', 100, [[105, 102]])).toEqual(['gap']);
  });

  it('Binance futures: drop u < L; the first has U <= L <= u; then pu = previous u', () => {
    expect(
      run('binance_futures_usd', 100, [
        [99, 90, 89],
        [104, 98, 97],
        [110, 105, 104],
        [115, 112, 111],
      ]),
    ).toEqual(['stale', 'apply', 'apply', 'gap']);
    expect(run('binance_futures_coin', 100, [[105, 101, 100]])).toEqual(['gap']);
  });

  it('Bybit: consecutive u', () => {
    expect(run('bybit_perpetuals_usd', 10, [[10], [11], [12], [14]])).toEqual([
      'stale',
      'apply',
      'apply',
      'gap',
    ]);
  });

  it('other venues: prev_sequence, else first_sequence, else increasing', () => {
    expect(run('other', 5, [[6, undefined, 5], [8, 7], [9], [9], [12, undefined, 10]])).toEqual([
      'apply',
      'apply',
      'apply',
      'stale',
      'gap',
    ]);
  });

  it('nothing applies before a snapshot or after a gap', () => {
    const s = new Sequencer('binance_spot');
    expect(s.check({ sequence: 5, first: 1 })).toBe('unsynced');
    s.snapshot(10);
    expect(s.check({ sequence: 20, first: 15 })).toBe('gap');
    expect(s.check({ sequence: 21, first: 21 })).toBe('unsynced');
  });
});
