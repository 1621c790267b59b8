/**
 * Marks keeps equity incrementally (marks/equity.ts; issue #20 item 11): over random streams of
 * price moves, fills, balance changes, new instruments and equity calls, the kept figures equal a
 * full recomputation, and an independent one written here: every instrument's part by the
 * documented formula, summed exactly with decimal.js and rounded once to a double.
 */

import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InstrumentConfig } from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import { type Instrument, newInstrument } from '../../src/core/market/instrument.js';
import { Marks } from '../../src/core/marks/equity.js';
import { Balances } from '../../src/core/portfolio/balances.js';
import { applyFill } from '../../src/core/portfolio/position.js';

const D = Decimal.clone({ precision: 2000 });
/** A double's exact value as a decimal (toFixed gives exact digits; these doubles need fewer than 100 places). */
const exact = (x: number) => new D(x.toFixed(100));

/** The instruments a stream may add, in order: spot in two quotes (one not the account's), linear and inverse perpetuals. */
const CONFIGS: InstrumentConfig[] = [
  { exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' },
  { exchange: 'x', symbol: 'ETHUSDT', base: 'eth', quote: 'usdt', kind: 'spot' },
  { exchange: 'x', symbol: 'BTCEUR', base: 'btc', quote: 'eur', kind: 'spot' },
  { exchange: 'y', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'perpetual', contract_size: 0.001 },
  { exchange: 'y', symbol: 'SOLUSDT', base: 'sol', quote: 'usdt', kind: 'perpetual' },
  { exchange: 'x', symbol: 'ETHBTC', base: 'eth', quote: 'btc', kind: 'spot' },
  { exchange: 'x', symbol: 'BTCUSDC', base: 'btc', quote: 'usdc', kind: 'spot' },
  { exchange: 'x', symbol: 'BNBUSDT', base: 'bnb', quote: 'usdt', kind: 'spot' },
];

type Op =
  | { op: 'add' }
  | { op: 'price'; i: number; px: number }
  | { op: 'fill'; i: number; side: 'buy' | 'sell'; px: number; amount: number }
  | { op: 'balance'; exchange: string; asset: string; total: number }
  | { op: 'equity' };

const price = fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 1000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ op: 'add' as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('price' as const), i: fc.nat(7), px: price }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant('fill' as const),
      i: fc.nat(7),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      px: price,
      amount: fc.integer({ min: 1, max: 5000 }).map((n) => n / 1000),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('balance' as const),
      exchange: fc.constantFrom('x', 'y'),
      asset: fc.constantFrom('usdt', 'btc', 'eth', 'eur', 'sol'),
      total: fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 100),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'equity' as const }), weight: 3 },
);

/** The parts by the documented formula, summed exactly (decimal.js), rounded once. */
function reference(balances: Balances, insts: readonly Instrument[], q: string) {
  let cash = 0;
  for (const b of balances.list) if (b.asset === q) cash += b.totalNum;
  let eq = new D(0);
  let ex = new D(0);
  const valued = new Set<string>();
  for (const inst of insts) {
    if (inst.settle !== q) continue;
    const bk = `${inst.exchange}:${inst.base}`;
    const first = inst.kind === 'spot' && !valued.has(bk);
    if (first) valued.add(bk);
    const px = inst.last;
    if (Number.isNaN(px)) continue;
    const qty = inst.pos.qtyNum;
    if (inst.kind === 'spot') {
      if (first) eq = eq.plus(exact(balances.of(inst.exchange, inst.base).totalNum * px));
      ex = ex.plus(exact(Math.abs(qty) * px));
    } else if (qty !== 0 && inst.inverse) {
      eq = eq.plus(exact(qty * inst.csNum * (1 / inst.pos.entryNum - 1 / px)));
      ex = ex.plus(exact((Math.abs(qty) * inst.csNum) / px));
    } else if (qty !== 0) {
      eq = eq.plus(exact(qty * (px - inst.pos.entryNum) * inst.csNum));
      ex = ex.plus(exact(Math.abs(qty) * px * inst.csNum));
    }
  }
  return { equity: cash + Number(eq.toString()), cash, exposure: Number(ex.toString()) };
}

describe('incremental equity', () => {
  it('equals a full recomputation and an exact decimal.js sum over random streams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(opArb, { minLength: 1, maxLength: 120 }),
        (n, ops) => {
          const balances = new Balances();
          balances.of('x', 'usdt').set(dec(10_000));
          // Holdings from the start, so that every price move changes equity.
          for (const asset of ['btc', 'eth', 'bnb']) balances.of('x', asset).set(dec(1.5));
          const insts: Instrument[] = [];
          const marks = new Marks(balances, insts);
          marks.setQuote('usdt');
          const add = () => {
            if (insts.length === CONFIGS.length) return;
            const inst = newInstrument(CONFIGS[insts.length]!, 't');
            inst.index = insts.length;
            insts.push(inst);
          };
          for (let i = 0; i < n; i++) add();
          let t = 0;
          for (const o of ops) {
            if (o.op === 'add') add();
            else if (o.op === 'price' && o.i < insts.length) {
              // As the engine does: the record's instrument becomes current, then its price moves.
              marks.setCurrent(insts[o.i]!);
              insts[o.i]!.last = o.px;
            } else if (o.op === 'fill' && o.i < insts.length) {
              const inst = insts[o.i]!;
              applyFill(inst.pos, o.side, dec(o.px), dec(o.amount), dec(0), String(t++));
              if (inst.kind === 'spot') {
                const base = balances.of(inst.exchange, inst.base);
                base.add(o.side === 'buy' ? dec(o.amount) : dec(-o.amount));
              }
            } else if (o.op === 'balance') balances.of(o.exchange, o.asset).set(dec(o.total));
            else if (o.op === 'equity') {
              const kept = { ...marks.equity() };
              expect(kept).toEqual(reference(balances, insts, 'usdt'));
              expect(kept).toEqual(marks.recompute());
            }
          }
          expect({ ...marks.equity() }).toEqual(reference(balances, insts, 'usdt'));
        },
      ),
      { numRuns: 500, seed: 20 },
    );
  });

  it('with one instrument gives the same doubles as the sum in order (cash + base x last)', () => {
    const balances = new Balances();
    balances.of('x', 'usdt').set(dec(9949.95));
    const inst = newInstrument(CONFIGS[0]!, 't');
    inst.index = 0;
    const marks = new Marks(balances, [inst]);
    marks.setQuote('usdt');
    applyFill(inst.pos, 'buy', dec(100.1), dec(0.3), dec(0), 'T');
    balances.of('x', 'btc').set(dec(0.3));
    for (const px of [100.1, 0.1, 0.7, 123456.789, 42021.43]) {
      marks.setCurrent(inst);
      inst.last = px;
      const e = marks.equity();
      expect(e.equity).toBe(9949.95 + 0.3 * px);
      expect(e.exposure).toBe(0.3 * px);
    }
  });

  it('a change made by hand is seen after touch(); a price move of another instrument needs it too', () => {
    const balances = new Balances();
    balances.of('x', 'usdt').set(dec(1000));
    const a = newInstrument(CONFIGS[3]!, 't');
    a.index = 0;
    const marks = new Marks(balances, [a]);
    marks.setQuote('usdt');
    a.last = 100;
    applyFill(a.pos, 'buy', dec(100), dec(2), dec(0), 'T');
    expect(marks.equity().equity).toBe(1000);
    a.last = 150; // not current, not touched: the kept part is the one at 100
    expect(marks.equity().equity).toBe(1000);
    marks.touch(a);
    // 2 contracts x (150 - 100) x 0.001
    expect(marks.equity().equity).toBe(1000 + 2 * 50 * 0.001);
  });
});
