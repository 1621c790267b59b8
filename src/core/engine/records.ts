/**
 * The engine's output records (docs/format.md): `balance`, `order`, `fill`, `position`, `equity`,
 * `trading_state`, `funding_payment`. The frequent ones get their JSON built directly (attached as
 * the record's text, which the writer writes as it is); tests check it equals JSON.stringify of the
 * record. A recorder made with `texts` false (a sweep run: its records go to the summarize stage
 * and are never written) builds no text; the records themselves are the same.
 */

import type { Exact as Dec } from '../backtest/exact.js';
import { money, moneyText, tidy, writeMoney } from '../backtest/money.js';
import type { OrderIntent } from '../backtest/strategy.js';
import type { ByteOut } from '../io/bytes.js';
import type { Instrument } from '../market/instrument.js';
import type { Liquidity, Order } from '../orders/order.js';
import type { Balance } from '../portfolio/balance.js';
import type { Position, PositionClose } from '../portfolio/position.js';
import { attachText, serialize, type WireRecord } from '../records/record.js';
import { formatTime } from '../records/time.js';
import type { Clock } from './clock.js';
import type { BacktestReport } from './report.js';

const EQUITY_HEAD = Buffer.from('{"type":"equity","time":"');
const CASH = Buffer.from(',"cash":');
const EXPOSURE = Buffer.from(',"exposure":');
const EMPTY = Buffer.alloc(0);

/** Buffer's Latin-1 writer (not in @types/node): `write(text, at, n, 'latin1')` without its argument checks. */
type Latin1 = Buffer & { latin1Write(text: string, offset: number, length: number): number };

export class Recorder {
  /** Where records go: the batch of the record being processed. */
  out: WireRecord[] = [];
  private equityHead: string | undefined;
  private equityTail: string | undefined;
  /** The last equity figures written and their text. */
  private readonly equityText = {
    equity: Number.NaN,
    equityText: '',
    cash: Number.NaN,
    cashText: '',
    exposure: Number.NaN,
    exposureText: '',
  };

  /**
   * When set, every record is also written here as its NDJSON line as it is made, in order, and
   * equity records only here, with no object made for them (nothing else reads them): the
   * `backtest` command's output (BacktestEngine.takeLines). `lineCount` counts the lines.
   */
  lines: ByteOut | undefined;
  lineCount = 0;
  /**
   * With `lines`: nobody reads the records but as lines, so the frequent ones (balances, orders,
   * fills, positions) are written as lines with no object made. A rejected order, a record without
   * a template (a bracket's order, a liquidation) and, with `fillRecords`, a fill (a strategy's
   * `onFill` reads it) are still made as records and pushed to `out` as well as written.
   */
  linesOnly = false;
  fillRecords = true;
  /** The equity line after its time (`lines`): its fixed pieces, and the bytes last made. */
  private equityRest:
    | {
        head: Buffer;
        tail: Buffer;
        /** The most bytes the rest takes. */
        room: number;
        /** The line last written: bytes [from, to) of `text` (an output buffer), its time `timeLength` long. */
        text: Buffer;
        from: number;
        to: number;
        timeLength: number;
        equity: number;
        cash: number;
        exposure: number;
      }
    | undefined;

  constructor(
    private readonly clock: Clock,
    /** Written on every record (`strategy`). */
    readonly name: string,
    private readonly report: BacktestReport,
    /** Whether records get their JSON text (false when nobody writes them). */
    private readonly texts = true,
  ) {}

  /** A record's line only (`linesOnly`): no object, nothing pushed to `out`. */
  private line(text: string): void {
    this.lines!.line(text);
    this.lineCount++;
  }

  private push(rec: WireRecord): void {
    this.out.push(rec);
    const lines = this.lines;
    if (lines !== undefined) {
      lines.line(serialize(rec));
      this.lineCount++;
    }
  }

  balance(b: Balance): void {
    const t = this.clock.stamp();
    if (this.linesOnly) {
      this.line(`{"type":"balance","time":"${t}",${b.head},"total":${b.totalNum},"free":${b.freeNum}}`);
      return;
    }
    const rec: WireRecord = {
      type: 'balance',
      time: t,
      exchange: b.exchange,
      asset: b.asset,
      total: b.totalNum,
      free: b.freeNum,
    };
    // A balance record follows every fill and order.
    if (this.texts)
      attachText(rec, `{"type":"balance","time":"${t}",${b.head},"total":${b.totalNum},"free":${b.freeNum}}`);
    this.push(rec);
  }

  order(o: Order, reason: string | undefined): void {
    const t = this.clock.stamp();
    const plain = o.cond === undefined && o.oco === undefined && o.parentId === undefined && o.tif !== 'gtd';
    // (A tag from a JavaScript strategy may be anything: only a string one goes in the template.)
    const templated =
      this.texts &&
      plain &&
      Number.isFinite(o.amountNum + o.filledNum + (o.price ?? 0)) &&
      (o.tag === undefined || typeof o.tag === 'string');
    if (templated && this.linesOnly && o.status !== 'rejected') {
      this.line(this.orderText(o, t, reason));
      return;
    }
    const rec: Record<string, unknown> = {
      type: 'order',
      time: t,
      exchange: o.inst.exchange,
      symbol: o.inst.symbol,
      strategy: this.name,
      id: o.id,
      side: o.side,
      kind: o.type,
      amount: o.amountNum,
      price: o.price ?? null,
      time_in_force: o.tif,
      status: o.status,
      filled_amount: o.filledNum,
    };
    if (!plain) {
      if (o.cond !== undefined) {
        rec.trigger_price = o.cond.trigger;
        rec.triggered_at = o.cond.triggeredAt ?? null;
        if (o.cond.trail !== undefined) rec.trail = o.cond.trail;
        if (o.cond.trailPercent !== undefined) rec.trail_percent = o.cond.trailPercent;
      }
      if (o.oco !== undefined) rec.oco = o.oco;
      if (o.parentId !== undefined) rec.parent_id = o.parentId;
      if (o.tif === 'gtd') rec.expire_time = formatTime(o.expireUs, this.clock.precision);
    }
    if (o.postOnly) rec.post_only = true;
    if (o.reduceOnly) rec.reduce_only = true;
    if (reason !== undefined) rec.reason = reason;
    if (o.tag !== undefined) rec.tag = o.tag;
    if (templated) attachText(rec, this.orderText(o, t, reason));
    this.push(rec as WireRecord);
  }

  /** A plain order's line (its fields in the record's order). */
  private orderText(o: Order, t: string, reason: string | undefined): string {
    return `{"type":"order","time":"${t}",${o.inst.head},"id":${o.id},"side":"${o.side}","kind":"${o.kind}","amount":${o.amountNum},"price":${o.price ?? null},"time_in_force":"${o.tif}","status":"${o.status}","filled_amount":${o.filledNum}${o.postOnly ? ',"post_only":true' : ''}${o.reduceOnly ? ',"reduce_only":true' : ''}${reason === undefined ? '' : `,"reason":${JSON.stringify(reason)}`}${o.tag === undefined ? '' : `,"tag":${JSON.stringify(o.tag)}`}}`;
  }

  /** An intent refused before it became an order: an order record with status `rejected`, counted. */
  rejected(id: number, intent: Partial<OrderIntent>, inst: Instrument | undefined, reason: string): void {
    this.report.rejected++;
    this.report.orders++;
    const rec: Record<string, unknown> = {
      type: 'order',
      time: this.clock.stamp(),
      exchange: inst?.exchange ?? intent.exchange ?? null,
      symbol: inst?.symbol ?? intent.symbol ?? null,
      strategy: this.name,
      id,
      side: intent.side ?? null,
      kind: intent.kind ?? (intent.price === undefined ? 'market' : 'limit'),
      amount: typeof intent.amount === 'number' ? intent.amount : null,
      price: typeof intent.price === 'number' ? intent.price : null,
      time_in_force: intent.time_in_force ?? 'gtc',
      status: 'rejected',
      filled_amount: 0,
      reason,
    };
    this.push(rec as WireRecord);
  }

  /** The fill's record, or undefined when it was written as a line only (`linesOnly`, no `fillRecords`). */
  fill(o: Order, price: number, amount: Dec, fee: Dec, liquidity: Liquidity): WireRecord | undefined {
    const t = this.clock.stamp();
    const inst = o.inst;
    if (this.linesOnly && !this.fillRecords) {
      const a = amount.toNumber();
      const f = fee.toNumber();
      if (Number.isFinite(price + a + f)) {
        this.line(
          `{"type":"fill","time":"${t}",${inst.head},"order_id":${o.id},"side":"${o.side}","price":${price},"amount":${a},"fee":${f},"fee_asset":${inst.settleJson},"liquidity":"${liquidity}"}`,
        );
        return undefined;
      }
    }
    const rec: WireRecord = {
      type: 'fill',
      time: t,
      exchange: inst.exchange,
      symbol: inst.symbol,
      strategy: this.name,
      order_id: o.id,
      side: o.side,
      price,
      amount: amount.toNumber(),
      fee: fee.toNumber(),
      fee_asset: inst.settle,
      liquidity,
    };
    if (this.texts && Number.isFinite(price + (rec.amount as number) + (rec.fee as number)))
      attachText(
        rec,
        `{"type":"fill","time":"${t}",${inst.head},"order_id":${o.id},"side":"${o.side}","price":${price},"amount":${rec.amount},"fee":${rec.fee},"fee_asset":${inst.settleJson},"liquidity":"${liquidity}"}`,
      );
    this.push(rec);
    return rec;
  }

  positionClosed(inst: Instrument, c: PositionClose): void {
    const t = this.clock.stamp();
    const entry = tidy(c.entry_price);
    const exit = tidy(c.exit_price);
    const text =
      this.texts && Number.isFinite(c.amount + entry + exit + c.pnl + c.fees)
        ? `{"type":"position","time":"${t}",${inst.head},"status":"closed","side":"${c.side}","amount":${c.amount},"entry_price":${entry},"exit_price":${exit},"pnl":${c.pnl},"fees":${c.fees},"time_open":${JSON.stringify(c.time_open)},"time_close":"${t}"}`
        : undefined;
    if (text !== undefined && this.linesOnly) {
      this.line(text);
      return;
    }
    const rec = {
      type: 'position',
      time: t,
      exchange: inst.exchange,
      symbol: inst.symbol,
      strategy: this.name,
      status: 'closed',
      side: c.side,
      amount: c.amount,
      entry_price: entry,
      exit_price: exit,
      pnl: c.pnl,
      fees: c.fees,
      time_open: c.time_open,
      time_close: t,
    };
    if (text !== undefined) attachText(rec, text);
    this.push(rec);
  }

  positionOpened(inst: Instrument, pos: Position): void {
    const t = this.clock.stamp();
    const amount = Math.abs(pos.qtyNum);
    const entry = tidy(pos.entryNum);
    const fees = pos.feesNum;
    const text =
      this.texts && Number.isFinite(amount + entry + fees)
        ? `{"type":"position","time":"${t}",${inst.head},"status":"open","side":"${pos.side}","amount":${amount},"entry_price":${entry},"exit_price":null,"pnl":${-fees},"fees":${fees},"time_open":${JSON.stringify(pos.timeOpen)},"time_close":null}`
        : undefined;
    if (text !== undefined && this.linesOnly) {
      this.line(text);
      return;
    }
    const rec = {
      type: 'position',
      time: t,
      exchange: inst.exchange,
      symbol: inst.symbol,
      strategy: this.name,
      status: 'open',
      side: pos.side,
      amount,
      entry_price: entry,
      exit_price: null,
      pnl: -fees,
      fees,
      time_open: pos.timeOpen,
      time_close: null,
    };
    if (text !== undefined) attachText(rec, text);
    this.push(rec);
  }

  equity(asset: string, e: { equity: number; cash: number; exposure: number }): void {
    const t = this.clock.stamp();
    const equity = money(e.equity);
    const cash = money(e.cash);
    const exposure = money(e.exposure);
    if (!this.texts) {
      this.push({ type: 'equity', time: t, asset, equity, cash, exposure, strategy: this.name });
      return;
    }
    const lines = this.lines;
    if (lines !== undefined) {
      this.equityLine(lines, t, asset, equity, cash, exposure);
      return;
    }
    // Between fills cash does not change, nor equity while flat: reuse their text.
    const f = this.equityText;
    if (equity !== f.equity) {
      f.equity = equity;
      f.equityText = moneyText(equity);
    }
    if (cash !== f.cash) {
      f.cash = cash;
      f.cashText = moneyText(cash);
    }
    if (exposure !== f.exposure) {
      f.exposure = exposure;
      f.exposureText = moneyText(exposure);
    }
    const rec: WireRecord = { type: 'equity', time: t, asset, equity, cash, exposure, strategy: this.name };
    // One equity record per candle is most of what a run writes.
    this.equityTail ??= `,"strategy":${JSON.stringify(this.name)}}`;
    this.equityHead ??= `","asset":${JSON.stringify(asset)},"equity":`;
    attachText(
      rec,
      `{"type":"equity","time":"${t}${this.equityHead}${f.equityText},"cash":${f.cashText},"exposure":${f.exposureText}${this.equityTail}`,
    );
    this.push(rec);
  }

  /**
   * The equity record's line, the text `equity` attaches, as bytes: a fixed head, the time, and the
   * rest (the figures as digits: number-text.ts `writeMoney`, the text `moneyText` makes). While
   * the figures stay the same (a flat position's equity), the line last written is copied whole by
   * one native copy and the time written over its own (a copy a byte at a time cost a third of a
   * million candles' equity lines). The old line stays valid: a buffer handed on by `takeLines`, or
   * outgrown, is never written again. Times and figures are ASCII.
   */
  private equityLine(
    lines: ByteOut,
    t: string,
    asset: string,
    equity: number,
    cash: number,
    exposure: number,
  ): void {
    let rest = this.equityRest;
    if (rest === undefined) {
      const head = Buffer.from(`","asset":${JSON.stringify(asset)},"equity":`);
      const tail = Buffer.from(`,"strategy":${JSON.stringify(this.name)}}\n`);
      rest = {
        head,
        tail,
        // Each figure takes at most 25 bytes (writeMoney).
        room: head.length + tail.length + CASH.length + EXPOSURE.length + 3 * 25,
        text: EMPTY,
        from: 0,
        to: 0,
        timeLength: -1,
        equity: Number.NaN,
        cash: Number.NaN,
        exposure: Number.NaN,
      };
      this.equityRest = rest;
    }
    lines.ensure(EQUITY_HEAD.length + t.length + rest.room);
    const b = lines.buf;
    const from = lines.at;
    if (
      equity === rest.equity &&
      cash === rest.cash &&
      exposure === rest.exposure &&
      t.length === rest.timeLength
    ) {
      const n = rest.to - rest.from;
      if (rest.text === b) b.copyWithin(from, rest.from, rest.to);
      else rest.text.copy(b, from, rest.from, rest.to);
      // (A native write: a time text is often a slice of a larger string, which a loop of
      // charCodeAt reads slowly.)
      (b as Latin1).latin1Write(t, from + EQUITY_HEAD.length, t.length);
      lines.at = from + n;
    } else {
      rest.equity = equity;
      rest.cash = cash;
      rest.exposure = exposure;
      rest.timeLength = t.length;
      EQUITY_HEAD.copy(b, from);
      lines.at = from + EQUITY_HEAD.length;
      lines.at += (b as Latin1).latin1Write(t, lines.at, t.length);
      lines.copyFrom(rest.head, rest.head.length);
      lines.at = writeMoney(b, lines.at, equity);
      lines.copyFrom(CASH, CASH.length);
      lines.at = writeMoney(b, lines.at, cash);
      lines.copyFrom(EXPOSURE, EXPOSURE.length);
      lines.at = writeMoney(b, lines.at, exposure);
      lines.copyFrom(rest.tail, rest.tail.length);
    }
    rest.text = b;
    rest.from = from;
    rest.to = lines.at;
    this.lineCount++;
  }

  liquidation(inst: Instrument, fee: number, equity: number, maintenance: number): void {
    this.push({
      type: 'liquidation',
      time: this.clock.stamp(),
      exchange: inst.exchange,
      symbol: inst.symbol,
      strategy: this.name,
      side: inst.pos.side,
      amount: Math.abs(inst.pos.qtyNum),
      price: inst.last,
      equity: money(equity),
      maintenance_margin: money(maintenance),
      fee,
      fee_asset: inst.settle,
    });
  }

  tradingState(enabled: boolean, reason: string): void {
    this.push({ type: 'trading_state', time: this.clock.stamp(), enabled, reason, strategy: this.name });
  }

  fundingPayment(inst: Instrument, rate: number, mark: number, amount: number): void {
    this.push({
      type: 'funding_payment',
      time: this.clock.stamp(),
      exchange: inst.exchange,
      symbol: inst.symbol,
      rate,
      mark_price: mark,
      amount,
      asset: inst.settle,
      strategy: this.name,
    });
  }
}
