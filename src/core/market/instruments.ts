/** The instruments the engine knows, by `exchange:symbol`, in the order they became known. */

import type { InstrumentConfig } from '../backtest/config.js';
import { UsageError } from '../errors.js';
import { type Instrument, newInstrument, updateRules } from './instrument.js';

export class Instruments {
  private readonly map = new Map<string, Instrument>();
  readonly list: Instrument[] = [];
  /** The first instrument configured (not read from the stream): its quote asset is the account's. */
  firstConfigured: Instrument | undefined;

  constructor(private readonly strategyName: string) {}

  /** By exchange, then symbol: a lookup per record builds no key string. */
  private readonly byVenue = new Map<unknown, Map<unknown, Instrument>>();

  get(exchange: unknown, symbol: unknown): Instrument | undefined {
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      return this.map.get(`${String(exchange)}:${String(symbol)}`);
    return this.byVenue.get(exchange)?.get(symbol);
  }

  /** Adds an instrument, or updates the rules of a known one. */
  add(ic: InstrumentConfig, fromStream: boolean): Instrument {
    // Coin-margined (inverse) contracts are perpetuals settled in the base coin (docs/execution.md,
    // "Inverse contracts"); a spot instrument on such a venue is a configuration mistake.
    if ((ic.inverse ?? /coin|inverse/.test(ic.exchange)) && ic.kind !== 'perpetual')
      throw new UsageError(
        `${ic.exchange} ${ic.symbol}: an inverse (coin-margined) instrument is a perpetual; set kind to "perpetual" (docs/execution.md)`,
      );
    const prev = this.map.get(`${ic.exchange}:${ic.symbol}`);
    if (prev !== undefined) {
      updateRules(prev, ic);
      return prev;
    }
    const inst = newInstrument(ic, this.strategyName);
    inst.index = this.list.length;
    this.map.set(inst.key, inst);
    let venue = this.byVenue.get(inst.exchange);
    if (venue === undefined) {
      venue = new Map();
      this.byVenue.set(inst.exchange, venue);
    }
    venue.set(inst.symbol, inst);
    this.list.push(inst);
    if (!fromStream) this.firstConfigured ??= inst;
    return inst;
  }
}
