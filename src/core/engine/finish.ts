/**
 * The end of input (docs/backtest.md): from here no strategy call opens an order (the strategy
 * still sees its closing fills); every open order is cancelled and its reservation released, then
 * (with close_at_end) every position is closed at its last price, and the last equity is written.
 */

import type { Instruments } from '../market/instruments.js';
import type { Marks } from '../marks/equity.js';
import type { OrderDesk } from '../orders/orders.js';
import type { WireRecord } from '../records/record.js';
import type { Clock } from './clock.js';
import type { EquityWriter } from './equity-writer.js';
import type { FillDesk } from './fills.js';
import type { InstrumentLookup } from './instrument-of.js';
import type { Placement } from './placement.js';
import type { Recorder } from './records.js';

/** Instruments closed per output batch at the end of input. */
const FINISH_BATCH = 1024;

export interface EndOfInput {
  readonly closeAtEnd: boolean;
  readonly clock: Clock;
  readonly rec: Recorder;
  readonly instruments: Instruments;
  readonly orders: OrderDesk;
  readonly fills: FillDesk;
  readonly placement: Placement;
  readonly marks: Marks;
  readonly equity: EquityWriter;
  readonly lookup: InstrumentLookup;
  /** What a new time does (the daily loss limit's new day, latency that elapsed). */
  readonly onNewTime: () => void;
}

/**
 * The end of input, in batches of the records of at most FINISH_BATCH instruments: closing 100,000
 * positions writes about 600,000 records, which are not held in memory at once.
 */
export function* endOfInput(e: EndOfInput): Generator<WireRecord[]> {
  let out: WireRecord[] = [];
  e.rec.out = out;
  if (!e.clock.started) return;
  e.onNewTime();
  // The clean-up: from here no strategy call opens an order (the strategy still sees its closing
  // fills); every open order is cancelled and its reservation released.
  e.placement.ended = true;
  const list = e.instruments.list;
  const passes = e.closeAtEnd ? 2 : 1;
  for (let pass = 0; pass < passes; pass++)
    for (let i = 0; i < list.length; i++) {
      if (pass === 0) e.orders.cancelAll(list[i]!, 'end of input');
      else e.fills.closeAtLast(list[i]!, 'end of input');
      // (Records written as lines only are not in `out`: a batch is yielded for their lines too.)
      if (i % FINISH_BATCH === FINISH_BATCH - 1 && (out.length > 0 || e.rec.lineCount > 0)) {
        yield out;
        out = [];
        e.rec.out = out;
      }
    }
  if (e.marks.quoteAsset !== undefined) e.equity.emit(e.clock.us);
  e.lookup.finish();
  if (out.length > 0) yield out;
}
