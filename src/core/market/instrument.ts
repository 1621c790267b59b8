/**
 * An instrument as the engine trades it: its rules (tick, lot, minimum notional, contract size),
 * its last market state (last price, top of book, the book, the liquidity taken), its live orders
 * and its position.
 */

import type { InstrumentConfig } from '../backtest/config.js';
import { type Exact as Dec, dec } from '../backtest/exact.js';
import type { OrderBook } from '../book/book.js';
import type { Order } from '../orders/order.js';
import type { Balance } from '../portfolio/balance.js';
import { defaultInverseContractSize } from '../portfolio/inverse.js';
import { Position } from '../portfolio/position.js';
import { flat } from '../records/text.js';

export interface Instrument {
  readonly key: string;
  /** Its place in the registry's list (the order instruments are visited in). */
  index: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** An inverse (coin-margined) perpetual: its contract size is in the quote currency. */
  readonly inverse: boolean;
  /** The asset its account is kept in: the base coin for an inverse contract, else the quote. */
  readonly settle: string;
  readonly kind: 'spot' | 'perpetual';
  tick: Dec | undefined;
  lot: Dec | undefined;
  minNotional: number;
  readonly cs: Dec;
  readonly csNum: number;
  /** The last price: a candle's close, a trade's price, the mid of a quote or book. */
  last: number;
  /** The finest data kind seen (market/market.ts KIND_RANK). */
  finest: number;
  /** Top of book (quotes or books). */
  bid: number;
  bidAmt: number;
  ask: number;
  askAmt: number;
  book: OrderBook | undefined;
  /**
   * Liquidity taken at each price since the last book or quote update (created on first use: a
   * run over 100,000 symbols does not pay for 100,000 empty maps).
   */
  taken: Map<number, number> | undefined;
  readonly orders: Order[];
  readonly pos: Position;
  /** `"exchange":...,"symbol":...,"strategy":...` as JSON, for the records built as text. */
  readonly head: string;
  /** The settle asset as JSON (fees, funding and balances of its account). */
  readonly settleJson: string;
  /** Perpetual margin rates (fractions of notional), when configured. */
  readonly initialMargin: Dec | undefined;
  readonly maintenanceMargin: number | undefined;
  readonly liquidationFee: number;
  /** Risk state: no new orders before this time (a cooldown after a loss), and the day's trades. */
  cooldownUntilUs: number;
  tradesDay: number;
  tradesToday: number;
  /** Its quote and base balances once looked up, and the `Balances` they belong to (portfolio/balances.ts). */
  quoteBal: Balance | undefined;
  baseBal: Balance | undefined;
  balancesOf: unknown;
}

export function newInstrument(ic: InstrumentConfig, strategyName: string): Instrument {
  const inverse = ic.kind === 'perpetual' && (ic.inverse ?? /coin|inverse/.test(ic.exchange));
  const cs = dec(ic.contract_size ?? (inverse ? defaultInverseContractSize(ic.exchange, ic.base) : 1));
  const settle = inverse ? ic.base : ic.quote;
  return {
    key: flat(`${ic.exchange}:${ic.symbol}`),
    index: -1,
    exchange: ic.exchange,
    symbol: ic.symbol,
    base: ic.base,
    quote: ic.quote,
    inverse,
    settle,
    kind: ic.kind,
    tick: ic.tick_size === undefined ? undefined : dec(ic.tick_size),
    lot: ic.lot_size === undefined ? undefined : dec(ic.lot_size),
    minNotional: ic.min_notional ?? 0,
    cs,
    csNum: cs.toNumber(),
    last: Number.NaN,
    finest: 0,
    bid: Number.NaN,
    bidAmt: 0,
    ask: Number.NaN,
    askAmt: 0,
    book: undefined,
    taken: undefined,
    orders: [],
    pos: new Position(ic.kind, cs, inverse),
    head: flat(
      `"exchange":${JSON.stringify(ic.exchange)},"symbol":${JSON.stringify(ic.symbol)},"strategy":${JSON.stringify(strategyName)}`,
    ),
    settleJson: JSON.stringify(settle),
    initialMargin: ic.initial_margin === undefined ? undefined : dec(ic.initial_margin),
    maintenanceMargin: ic.maintenance_margin,
    liquidationFee: ic.liquidation_fee ?? 0,
    cooldownUntilUs: Number.NEGATIVE_INFINITY,
    tradesDay: Number.NaN,
    tradesToday: 0,
    quoteBal: undefined,
    baseBal: undefined,
    balancesOf: undefined,
  };
}

/**
 * The value of `amount` (either sign) at `price` in the instrument's settle asset: |amount| x price
 * x contract size, or for an inverse contract |amount| x contract size / price (the base coin).
 */
export function notionalOf(inst: Instrument, amount: number, price: number): number {
  return inst.inverse ? (Math.abs(amount) * inst.csNum) / price : Math.abs(amount) * price * inst.csNum;
}

/** Rules read later (an `instrument` record) update the known ones. */
export function updateRules(inst: Instrument, ic: InstrumentConfig): void {
  inst.tick = ic.tick_size === undefined ? inst.tick : dec(ic.tick_size);
  inst.lot = ic.lot_size === undefined ? inst.lot : dec(ic.lot_size);
  inst.minNotional = ic.min_notional ?? inst.minNotional;
}

/** `BTCUSDT` → btc/usdt, by the common quote assets (for instruments not configured). */
export function splitSymbol(symbol: string): [string, string] {
  // (A futures suffix goes first: Binance COIN-M's BTCUSD_PERP, BTCUSD_240329.)
  const s = symbol
    .toUpperCase()
    .replace(/[-_](PERP|\d{6})$/, '')
    .replace(/[-_/]/g, '');
  for (const q of [
    'USDT',
    'USDC',
    'FDUSD',
    'BUSD',
    'TUSD',
    'USD',
    'EUR',
    'BTC',
    'ETH',
    'BNB',
    'TRY',
    'JPY',
  ]) {
    if (s.length > q.length && s.endsWith(q)) return [s.slice(0, -q.length).toLowerCase(), q.toLowerCase()];
  }
  return [s.toLowerCase(), 'usd'];
}

/** The kind inferred for an instrument not configured: `perpetual` when the venue id says futures. */
export function inferKind(exchange: string): 'spot' | 'perpetual' {
  return /perp|futures|swap/.test(exchange) ? 'perpetual' : 'spot';
}
