/**
 * Fills against a candle (docs/execution.md, "Candles"):
 * - an order is eligible if it was live by the candle's open (its latency elapsed by then);
 * - market orders fill at the open, stamped at the open;
 * - a limit the open gaps through (or opens at) fills at the open, the better price;
 * - otherwise an ioc/fok limit expires; a gtc limit fills at its price when the range goes strictly
 *   through it (or touches it, with fill_at_touch), as maker;
 * - post-only limits that were marketable on arrival do not fill;
 * - market orders placed on this candle with fill_at=close fill at its close (engine/engine.ts).
 */

import type { Instrument } from '../market/instrument.js';
import { rests } from '../orders/order.js';
import type { Execution } from './execution.js';

export interface CandleEvent {
  /** The open time, microseconds. */
  readonly openUs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  /** The time of fills at the open (the open, or the previous record's time if later), and its text. */
  readonly openStampUs: number;
  readonly openText: string;
  readonly fillAtTouch: boolean;
}

export function candleFills(inst: Instrument, c: CandleEvent, x: Execution): void {
  const clock = x.clock;
  const { open, high, low } = c;
  for (const o of [...inst.orders]) {
    clock.reset();
    if (!o.live || o.liveUs > c.openUs || o.atClose) continue;
    if (o.kind === 'market') {
      clock.stampAt(c.openStampUs, c.openText);
      x.fillMarket(o, open);
      continue;
    }
    const p = o.price!;
    const buy = o.side === 'buy';
    const atOpen = buy ? open <= p : open >= p;
    if (o.postOnly && o.taker) continue;
    if (atOpen) {
      // Gapped through (or opened at) the limit: filled at the better open.
      clock.stampAt(c.openStampUs, c.openText);
      x.fill(o, open, o.amount.minus(o.filled), o.taker ? 'taker' : 'maker');
      continue;
    }
    if (!rests(o)) {
      x.expire(o, `${o.tif} limit did not cross at the open`);
      continue;
    }
    const touch = c.fillAtTouch;
    const through = buy ? (touch ? low <= p : low < p) : touch ? high >= p : high > p;
    if (through) x.fill(o, p, o.amount.minus(o.filled), 'maker');
  }
  clock.reset();
}
