/**
 * The market records, one handler per kind: each updates its instrument's market state, lets the
 * matcher of its data kind fill live orders (matching/), checks a perpetual's margin, and shows
 * the record to the strategy. Funding pays or charges open perpetual positions.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { DataError, describeFound } from '../errors.js';
import type { Instrument } from '../market/instrument.js';
import type { Instruments } from '../market/instruments.js';
import { type DataKind, seen } from '../market/market.js';
import type { EquityCadence } from '../marks/cadence.js';
import { bookFills } from '../matching/book.js';
import { candleFills } from '../matching/candle.js';
import { fillsFrom } from '../matching/model.js';
import { roundAgainst } from '../matching/slippage.js';
import { tradeFills } from '../matching/trade.js';
import type { ConditionalDesk } from '../orders/conditional.js';
import type { OrderDesk } from '../orders/orders.js';
import { candleEvent, topEvent, tradeEvent } from '../orders/triggers.js';
import type { Balances } from '../portfolio/balances.js';
import { fundingPayment } from '../portfolio/funding.js';
import { liquidationPrice, marginAccount, marginCall } from '../portfolio/liquidation.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, parseTime } from '../records/time.js';
import type { Clock } from './clock.js';
import type { FillDesk } from './fills.js';
import type { Recorder } from './records.js';

/** Shows a record to the strategy (engine.ts). */
export type ShowRecord = (rec: WireRecord) => void;

export class MarketRecords {
  private readonly fillAtClose: boolean;

  constructor(
    private readonly cfg: BacktestConfig,
    private readonly clock: Clock,
    private readonly instruments: Instruments,
    private readonly balances: Balances,
    private readonly cadence: EquityCadence,
    private readonly orders: OrderDesk,
    private readonly fills: FillDesk,
    private readonly conditional: ConditionalDesk,
    private readonly rec: Recorder,
    private readonly where: (rec: WireRecord) => string,
    private readonly show: ShowRecord,
  ) {
    this.fillAtClose = cfg.execution.fill_at === 'close';
  }

  private fillsFrom(inst: Instrument, kind: DataKind): boolean {
    return fillsFrom(this.cfg.execution.fill_model, inst, kind);
  }

  /**
   * A candle's open time, and the time of records at its open: the open, or the time of the
   * previous record if later (and its text).
   */
  private openStamp(rec: WireRecord): { openUs: number; stampUs: number; openText: string } {
    const clock = this.clock;
    const ot = parseTime(rec.open_time);
    const openUs = ot === undefined ? clock.us : ot.us;
    const stampUs = Math.min(clock.us, Math.max(openUs, clock.prevUs));
    const openText = stampUs === clock.us ? clock.text : formatTime(stampUs, clock.precision);
    return { openUs, stampUs, openText };
  }

  candle(inst: Instrument, rec: WireRecord): void {
    const open = rec.open as number;
    const high = rec.high as number;
    const low = rec.low as number;
    const close = rec.close as number;
    if (!(open > 0 && high > 0 && low > 0 && close > 0))
      throw new DataError(this.where(rec), 'a candle needs positive open, high, low and close');
    this.cadence.candles = true;
    seen(inst, 'candle');
    const fills = this.fillsFrom(inst, 'candle');
    if (inst.orders.length > 0 && fills) {
      const { openUs, stampUs, openText } = this.openStamp(rec);
      candleFills(
        inst,
        {
          openUs,
          open,
          high,
          low,
          openStampUs: stampUs,
          openText,
          fillAtTouch: this.cfg.execution.fill_at_touch,
        },
        this.fills,
      );
      // Conditional orders after the live ones: one triggered here fills here only at the market.
      this.conditional.evaluate(inst, candleEvent(open, high, low, close), openText, stampUs);
    }
    if (fills && inst.kind === 'perpetual' && inst.maintenanceMargin !== undefined && inst.pos.qtyNum !== 0)
      this.candleMargin(inst, rec, open, inst.pos.qtyNum > 0 ? low : high);
    inst.last = close;
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    this.cadence.due = true;
    this.show(rec);
    if (this.fillAtClose && inst.orders.length > 0) {
      for (const o of [...inst.orders])
        if (o.atClose && o.kind === 'market' && o.live) this.fills.fillMarket(o, close);
    }
  }

  trade(inst: Instrument, rec: WireRecord): void {
    const price = rec.price as number;
    if (!(price > 0))
      throw new DataError(this.where(rec), `expected a price > 0, found ${JSON.stringify(rec.price)}`);
    seen(inst, 'trade');
    // The trade is the last price by the time its fills are reported (a strategy's onFill sees it).
    inst.last = price;
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    if (inst.orders.length > 0 && this.fillsFrom(inst, 'trade')) {
      this.conditional.evaluate(inst, tradeEvent(price));
      tradeFills(inst, { price, amount: rec.amount as number, side: rec.side as string }, this.fills);
    }
    this.show(rec);
  }

  /** After a new top of book (market/market.ts): orders may fill, then the strategy sees it. */
  top(inst: Instrument, rec: WireRecord, kind: 'quote' | 'book'): void {
    seen(inst, kind);
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    if (inst.orders.length > 0 && this.fillsFrom(inst, kind)) {
      this.conditional.evaluate(inst, topEvent(inst.bid, inst.ask));
      bookFills(inst, undefined, this.fills);
    }
    this.show(rec);
  }

  /**
   * A candle's margin check, at its adverse extreme (`worst`: the low for a long, the high for a
   * short; a venue liquidates when its mark reaches the liquidation price at any moment). Below
   * maintenance there, the account is liquidated: at the open (stamped at the open) when the candle
   * opened beyond the liquidation price, else at the liquidation price, rounded to the tick
   * against the trader, inside the range (stamped at the candle's time).
   */
  private candleMargin(inst: Instrument, rec: WireRecord, open: number, worst: number): void {
    const list = this.instruments.list;
    inst.last = worst;
    if (marginCall(list, this.balances, inst) === undefined) return;
    inst.last = open;
    const gap = marginCall(list, this.balances, inst);
    if (gap !== undefined) {
      const { stampUs, openText } = this.openStamp(rec);
      this.clock.stampAt(stampUs, openText);
      this.fills.liquidate(gap, this.orders);
      this.clock.reset();
      return;
    }
    const p = liquidationPrice(list, this.balances, inst);
    // (Between worst and open by construction; NaN only where no positive price is, then the extreme.)
    const closing = inst.pos.qtyNum > 0 ? 'sell' : 'buy';
    inst.last = Number.isNaN(p) ? worst : roundAgainst(inst, p, closing);
    this.fills.liquidate(marginAccount(list, this.balances, inst), this.orders);
  }

  /** A perpetual's new mark: its account is liquidated when its equity is below maintenance margin. */
  private checkMargin(inst: Instrument): void {
    if (inst.maintenanceMargin === undefined || inst.pos.qtyNum === 0) return;
    const call = marginCall(this.instruments.list, this.balances, inst);
    if (call !== undefined) this.fills.liquidate(call, this.orders);
  }

  /** Funding on an open perpetual position: longs pay a positive rate (amount x mark x contract size x rate). */
  funding(inst: Instrument, rec: WireRecord): void {
    const rate = Number(rec.rate);
    if (!Number.isFinite(rate))
      throw new DataError(this.where(rec), `expected a number for "rate", found ${describeFound(rec.rate)}`);
    const mark = Number(rec.mark_price ?? inst.last);
    const payment = fundingPayment(inst, rate, mark);
    if (payment !== undefined) {
      const b = this.balances.of(inst.exchange, inst.settle);
      b.add(payment);
      this.rec.fundingPayment(inst, rate, mark, payment.toNumber());
      this.rec.balance(b);
    }
    this.show(rec);
  }
}
