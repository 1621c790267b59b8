/**
 * The instrument of a market record: configured, or inferred from its symbol with no rounding
 * rules (named in a warning, the first UNCONFIGURED_NAMED of them one by one, the rest counted);
 * and the account's quote asset, set on the first market record.
 */

import type { BacktestConfig, InstrumentConfig } from '../backtest/config.js';
import { dec } from '../backtest/exact.js';
import { DataError } from '../errors.js';
import { type Instrument, inferKind, splitSymbol } from '../market/instrument.js';
import type { Instruments } from '../market/instruments.js';
import type { Marks } from '../marks/equity.js';
import type { Balances } from '../portfolio/balances.js';
import type { WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import type { Recorder } from './records.js';
import type { BacktestReport } from './report.js';

/** The starting cash when no balance is configured. */
export const DEFAULT_CASH = 10_000;
/** How many unconfigured instruments are named one by one in warnings; the rest are counted. */
export const UNCONFIGURED_NAMED = 10;

export class InstrumentLookup {
  private lastInst: Instrument | undefined;
  /** Instruments met in the stream without a configuration (named up to UNCONFIGURED_NAMED). */
  private unconfigured = 0;

  constructor(
    private readonly cfg: BacktestConfig,
    private readonly instruments: Instruments,
    private readonly balances: Balances,
    private readonly marks: Marks,
    private readonly rec: Recorder,
    private readonly report: BacktestReport,
    /** How many instruments `--instruments FILE` gave. */
    private readonly fromFile: number,
    private readonly where: (rec: WireRecord) => string,
    private readonly warn: ((message: string) => void) | undefined,
  ) {}

  add(ic: InstrumentConfig, fromStream: boolean): Instrument {
    return this.instruments.add(ic, fromStream);
  }

  /** The instrument of a market record, which marks/equity.ts then revalues on every call (its price moves). */
  of(rec: WireRecord): Instrument {
    const inst = this.find(rec);
    this.marks.setCurrent(inst);
    return inst;
  }

  /** The instrument of a market record: configured, or inferred from the symbol with no rounding rules. */
  private find(rec: WireRecord): Instrument {
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    const last = this.lastInst;
    if (last !== undefined && last.symbol === symbol && last.exchange === exchange) return last;
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      throw new DataError(this.where(rec), `a ${rec.type} record needs "exchange" and "symbol"`);
    const hit = this.instruments.get(exchange, symbol);
    if (hit !== undefined) {
      this.lastInst = hit;
      if (this.marks.quoteAsset === undefined) this.setQuote(this.instruments.firstConfigured ?? hit);
      return hit;
    }
    const known = this.cfg.instruments.length + this.fromFile > 0;
    if (known && this.cfg.strict_instruments)
      throw new DataError(
        this.where(rec),
        `${exchange} ${symbol} is not in the configured instruments (--strict-instruments)`,
      );
    const [base, quote] = splitSymbol(symbol);
    const inst = this.add({ exchange, symbol, base, quote, kind: inferKind(exchange) }, false);
    if (this.marks.quoteAsset === undefined) this.setQuote(this.instruments.firstConfigured ?? inst);
    // The first few are named; past them one line says the rest are counted, and finish() gives
    // the count (100,000 symbols would otherwise be 100,000 lines on stderr).
    const n = ++this.unconfigured;
    if (n > UNCONFIGURED_NAMED + 1) return inst;
    const inverse = inst.inverse ? ` inverse (settled in ${base}, contract size ${inst.csNum} ${quote})` : '';
    const msg =
      n <= UNCONFIGURED_NAMED
        ? `${exchange} ${symbol} is not configured: trading it as ${inst.kind}${inverse} ${base}/${quote} with no tick, lot or minimum notional rules`
        : `more instruments are not configured (${exchange} ${symbol} and later ones): traded the same way, counted and not named one by one`;
    this.say(msg, known);
    return inst;
  }

  /** At the end of input: the count of unconfigured instruments, when not all were named. */
  finish(): void {
    if (this.unconfigured > UNCONFIGURED_NAMED)
      this.say(
        `${this.unconfigured} instruments were not configured in all (${UNCONFIGURED_NAMED} named above): traded with no tick, lot or minimum notional rules`,
        this.cfg.instruments.length + this.fromFile > 0,
      );
  }

  /**
   * A warning for the report, and on stderr where the run has a configuration to disagree with.
   * It quotes the records' venues and symbols: escaped (records/text.ts), so a crafted symbol cannot
   * act on the terminal or forge a line.
   */
  say(text: string, known: boolean): void {
    const msg = escapeText(text);
    this.report.warnings.push(msg);
    if (known || this.cfg.balances.length > 0) this.warn?.(msg);
  }

  /**
   * The account's quote asset (the first configured instrument's, else the first traded one's), set
   * on the first market record; with no balances at all, the account starts with 10,000 of it (as
   * backtrader does).
   */
  private setQuote(inst: Instrument): void {
    this.marks.setQuote(inst.settle);
    if (this.balances.size === 0) {
      const b = this.balances.of(inst.exchange, inst.settle);
      b.set(dec(DEFAULT_CASH));
      this.report.warnings.push(
        escapeText(`no balances given: starting with ${DEFAULT_CASH} ${inst.settle} on ${inst.exchange}`),
      );
      this.rec.balance(b);
    }
  }
}
