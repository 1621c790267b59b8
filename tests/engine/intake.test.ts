/**
 * The engine's intake (engine/intake.ts): the times validation parsed are handed to the engine
 * (ClockReader.take) instead of being parsed again. Over random streams of receive-time and
 * exchange-time records, canonical and not, the clock it gives is the one ClockReader.read gives,
 * and a backtest over the stream writes exactly what a run over prepared data (engine/data.ts,
 * which reads every time itself) writes.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, createEngine, loadStrategy } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { ClockReader } from '../../src/core/engine/clock.js';
import { prepareData, runPrepared } from '../../src/core/engine/data.js';
import { collect, fromRecords } from '../../src/core/io/stream.js';
import { MarketIntake } from '../../src/core/records/intake.js';
import { serialize, type WireRecord } from '../../src/core/records/record.js';
import { formatTime } from '../../src/core/records/time.js';

const T0 = Date.UTC(2024, 0, 1) * 1000;

/** How a record's time is written: canonical ms or us text, or an epoch number in ms (normalised by validation). */
const form = fc.constantFrom('ms' as const, 'us' as const, 'epoch' as const);
const write = (us: number, f: 'ms' | 'us' | 'epoch'): string | number =>
  f === 'epoch' ? Math.floor(us / 1000) : formatTime(f === 'ms' ? Math.floor(us / 1000) * 1000 : us, f);

const streamArb = fc
  .array(
    fc.record({
      step: fc.integer({ min: 0, max: 5_000_000 }),
      lag: fc.integer({ min: 0, max: 900_000 }),
      local: fc.boolean(),
      timeForm: form,
      localForm: form,
      price: fc.integer({ min: 9000, max: 11000 }).map((n) => n / 100),
      kind: fc.constantFrom('trade' as const, 'trade' as const, 'trade' as const, 'balance' as const),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((rows) => {
    let local = T0;
    return rows.map((r, i): WireRecord => {
      local += r.step;
      const localUs = Math.floor(local / 1000) * 1000;
      // The exchange time lags the receive time; a record without local_time runs on its time.
      const time = write(r.local ? localUs - r.lag : localUs, r.timeForm);
      const rec: Record<string, unknown> =
        r.kind === 'balance'
          ? { type: 'balance', time, exchange: 'binance_spot', asset: 'usdt', total: 10_000 + i }
          : {
              type: 'trade',
              time,
              exchange: 'binance_spot',
              symbol: 'BTCUSDT',
              id: i + 1,
              price: r.price,
              amount: 0.01,
              side: i % 2 === 0 ? 'buy' : 'sell',
            };
      if (r.local) rec.local_time = write(localUs, r.localForm);
      return rec as WireRecord;
    });
  });

describe('the engine intake', () => {
  it('gives the clock ClockReader.read gives, reading no time twice', () => {
    fc.assert(
      fc.property(streamArb, (records) => {
        const intake = new MarketIntake('t');
        const taken = new ClockReader();
        const read = new ClockReader();
        for (const rec of records) {
          const r = intake.accept(rec)!;
          if (!read.read(r)) continue; // (a time before 1970 cannot occur here)
          if (intake.parsed) {
            const v = intake.validator;
            taken.take(r, v.timeUs, v.timePrecision, v.localTimeUs, v.localPrecision);
          } else taken.read(r);
          expect([taken.us, taken.text, taken.precision]).toEqual([read.us, read.text, read.precision]);
        }
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it('a backtest over a stream writes what a run over prepared data writes', async () => {
    const config = {
      ...structuredClone(DEFAULT_CONFIG),
      sizing: { mode: 'fixed-amount' as const, value: 0.01 },
      equity_every_us: 1_000_000,
    };
    await fc.assert(
      fc.asyncProperty(streamArb, async (records) => {
        fc.pre(records.some((r) => r.type === 'trade'));
        const strategy = await loadStrategy('buy-and-hold', {});
        const streamed = await collect(backtest(fromRecords(records, 7), createEngine({ config, strategy })));
        // Prepared data is read without validation: give it the normalised records.
        const intake = new MarketIntake('t');
        const normalised = records.map((r) => intake.accept(r)!);
        const again = await loadStrategy('buy-and-hold', {});
        const prepared = runPrepared(prepareData(normalised), { config, strategy: again }).records;
        expect(streamed.map((r) => serialize(r))).toEqual(prepared.map((r) => serialize(r)));
        expect(streamed.length).toBeGreaterThan(0);
      }),
      { numRuns: 60, seed: 16 },
    );
  });
});
