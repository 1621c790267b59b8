/**
 * A record on the wire: one flat JSON object with a `type` tag (docs/format.md).
 *
 * Records read from input carry two hidden (symbol-keyed, never serialised) properties: the line they
 * came from, for located messages, and the exact text of that line, so that a record passing through a
 * tool unchanged is written out as the bytes it came in as (no re-serialisation on the hot path).
 *
 * Records are immutable inside the core. A stage that changes one makes a copy with `derive`, which
 * keeps the line number and drops the original text; writing a derived record serialises it afresh.
 */

export interface WireRecord {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The exact input text of a record (without its line terminator). */
export const RAW: unique symbol = Symbol('tickpipe.raw');
/** The 1-based input line number of a record. */
export const LINE: unique symbol = Symbol('tickpipe.line');

interface Hidden {
  [RAW]?: string | undefined;
  [LINE]?: number | undefined;
}

/** Attaches input metadata to a freshly parsed record. */
export function attachOrigin(record: object, line: number, raw: string): void {
  const r = record as Hidden;
  r[LINE] = line;
  r[RAW] = raw;
}

/** Attaches the input line number alone: a record read from bytes without its text (io/candle-scan.ts). */
export function attachLine(record: object, line: number): void {
  (record as Hidden)[LINE] = line;
}

/**
 * Attaches the JSON text a record was built with, which must be exactly `JSON.stringify(record)`: the
 * writer then writes it as it is (producers on hot paths build the text with the record).
 */
export function attachText(record: object, text: string): void {
  (record as Hidden)[RAW] = text;
}

/** The input line a record (or the record it was derived from) came from, if known. */
export function lineOf(record: WireRecord): number | undefined {
  return (record as Hidden)[LINE];
}

/** Where a record came from, for messages: `source:line` (`stdin:42`), or `source` alone. */
export function whereOf(record: WireRecord, source = 'input'): string {
  const line = lineOf(record);
  return line === undefined ? source : `${source}:${line}`;
}

/** The original text, or undefined when the record was built or changed here. */
export function rawOf(record: WireRecord): string | undefined {
  return (record as Hidden)[RAW];
}

/** A copy of `record` with `patch` applied: same line number, no original text. */
export function derive<T extends WireRecord>(record: T, patch: Readonly<Record<string, unknown>>): T {
  const copy = { ...record, ...patch } as T & Hidden;
  copy[RAW] = undefined;
  return copy;
}

/** Serialises a record for output: its original text when unchanged, JSON otherwise. */
export function serialize(record: WireRecord): string {
  return (record as Hidden)[RAW] ?? JSON.stringify(record);
}

/** The record types of wire format version 1. */
export const MARKET_TYPES = [
  'trade',
  'candle',
  'quote',
  'book',
  'funding',
  'instrument',
  'disconnect',
] as const;
export const ACCOUNT_TYPES = [
  'balance',
  'order',
  'fill',
  'position',
  'equity',
  'trading_state',
  'command',
  'summary',
  'drawdown',
  'drawdown_summary',
] as const;

export type Side = 'buy' | 'sell';

export interface Trade extends WireRecord {
  readonly type: 'trade';
  readonly time: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly id: string | number;
  readonly price: number;
  readonly amount: number;
  readonly side: Side;
  readonly local_time?: string;
}

export interface Candle extends WireRecord {
  readonly type: 'candle';
  readonly time: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly interval: string;
  readonly open_time: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly quote_volume?: number;
  readonly trades?: number;
  readonly taker_buy_volume?: number;
  readonly synthetic?: boolean;
}

export interface Quote extends WireRecord {
  readonly type: 'quote';
  readonly time: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly bid_price: number;
  readonly bid_amount: number;
  readonly ask_price: number;
  readonly ask_amount: number;
}

export type Level = readonly [price: number, amount: number];

export interface Book extends WireRecord {
  readonly type: 'book';
  readonly time: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly snapshot: boolean;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly sequence: number;
  readonly first_sequence?: number;
  readonly prev_sequence?: number;
}

export interface Funding extends WireRecord {
  readonly type: 'funding';
  readonly time: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly rate: number;
  readonly mark_price?: number;
  readonly interval_hours?: number;
}

export interface Instrument extends WireRecord {
  readonly type: 'instrument';
  readonly exchange: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly kind: 'spot' | 'perpetual' | 'future';
  readonly tick_size: number;
  readonly lot_size: number;
  readonly min_notional: number;
  readonly contract_size?: number;
}

export interface Disconnect extends WireRecord {
  readonly type: 'disconnect';
  readonly time: string;
  readonly exchange: string;
  readonly symbol?: string;
  readonly reason?: string;
}
