/**
 * The strategy protocol, version 1 (docs/strategy-protocol.md): the `hello` exchange, one event line
 * per record, fill or disconnect the strategy wants, one reply line of intents per event, and `end`.
 * Event lines are written by hand: the context is a handful of numbers, and the record is written as
 * JSON.stringify writes it.
 */

import { UsageError } from '../../errors.js';
import { splitSymbol } from '../../market/instrument.js';
import type { WireRecord } from '../../records/record.js';
import type { Intent, StrategyContext } from '../strategy.js';

export const PROTOCOL = 1;

/** What a strategy may ask for in `wants` (besides "all"). */
export const WANTABLE = ['candle', 'trade', 'quote', 'book', 'funding', 'fill', 'disconnect'] as const;
export type Wantable = (typeof WANTABLE)[number];

/** The context members an event carries (all unless the strategy's hello names fewer). */
export const CTX_MEMBERS = [
  'time',
  'position',
  'balances',
  'open_orders',
  'price',
  'equity',
  'size',
] as const;
/** The fields every market record keeps when the hello names the others it wants. */
const ALWAYS = ['type', 'time', 'local_time', 'exchange', 'symbol'];

export interface Hello {
  readonly wants: ReadonlySet<string>;
  /** The record fields wanted besides ALWAYS (undefined: all). */
  readonly fields: readonly string[] | undefined;
  readonly ctx: ReadonlySet<string>;
  readonly name: string | undefined;
  readonly params: Record<string, unknown> | undefined;
}

export function helloLine(
  params: Readonly<Record<string, unknown>>,
  instruments: readonly unknown[],
): string {
  return `${JSON.stringify({ type: 'hello', protocol: PROTOCOL, params, instruments })}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The child's `hello` (or its `error`), checked; `excerpt` shortens text for messages. */
export function parseHello(text: string, excerpt: (t: string) => string): Hello {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MalformedReply(`expected a "hello" object as the first reply, found ${excerpt(text)}`);
  }
  if (isObject(v) && v.type === 'error')
    throw new UsageError(`the strategy refused to start: ${excerpt(String(v.message ?? JSON.stringify(v)))}`);
  if (!isObject(v) || v.type !== 'hello')
    throw new MalformedReply(`expected a "hello" object as the first reply, found ${excerpt(text)}`);
  if (v.protocol !== PROTOCOL)
    throw new MalformedReply(
      `the strategy speaks protocol ${JSON.stringify(v.protocol)}; this tickpipe speaks ${PROTOCOL}`,
    );
  const w = v.wants ?? 'all';
  const list = w === 'all' ? ['all'] : Array.isArray(w) ? w : undefined;
  if (list === undefined || list.some((x) => x !== 'all' && !(WANTABLE as readonly unknown[]).includes(x)))
    throw new MalformedReply(
      `"wants": expected "all" or a list of ${WANTABLE.join(', ')}, found ${excerpt(JSON.stringify(w))}`,
    );
  const wants = new Set<string>(list.includes('all') ? WANTABLE : (list as string[]));
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name === ''))
    throw new MalformedReply(`"name": expected a non-empty string, found ${excerpt(JSON.stringify(v.name))}`);
  if (v.params !== undefined && !isObject(v.params))
    throw new MalformedReply(`"params": expected an object, found ${excerpt(JSON.stringify(v.params))}`);
  const fields = v.fields;
  if (fields !== undefined && (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')))
    throw new MalformedReply(
      `"fields": expected a list of field names, found ${excerpt(JSON.stringify(fields))}`,
    );
  const c = v.ctx ?? [...CTX_MEMBERS];
  if (!Array.isArray(c) || c.some((x) => !(CTX_MEMBERS as readonly unknown[]).includes(x)))
    throw new MalformedReply(
      `"ctx": expected a list of ${CTX_MEMBERS.join(', ')}, found ${excerpt(JSON.stringify(c))}`,
    );
  return {
    wants,
    fields: fields === undefined ? undefined : (fields as string[]).filter((f) => !ALWAYS.includes(f)),
    ctx: new Set(c as string[]),
    name: v.name as string | undefined,
    params: v.params as Record<string, unknown> | undefined,
  };
}

/** A reply that is not what the protocol says (not JSON, not an array of intents). */
export class MalformedReply extends Error {}

/** A reply line as intents, in exactly the shape a module strategy returns them. */
export function parseReply(text: string, excerpt: (t: string) => string): Intent[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw new MalformedReply(`the reply is not JSON (${(error as Error).message}): ${excerpt(text)}`);
  }
  if (!Array.isArray(v))
    throw new MalformedReply(`expected a JSON array of intents ([] for none), found ${excerpt(text)}`);
  for (const x of v)
    if (!isObject(x) || !('side' in x || 'close' in x || 'cancel' in x || 'amend' in x))
      throw new MalformedReply(
        `expected intents (objects with side, close, cancel or amend), found ${excerpt(JSON.stringify(x))} in ${excerpt(text)}`,
      );
  return v as Intent[];
}

function num(x: number | undefined): string {
  return x !== undefined && Number.isFinite(x) ? String(x) : 'null';
}

const assetCache = new Map<string, [string, string]>();
/** The record's base and quote assets, as the engine names them from the symbol. */
function assetsOf(symbol: string): [string, string] {
  let a = assetCache.get(symbol);
  if (a === undefined) {
    a = splitSymbol(symbol);
    assetCache.set(symbol, a);
  }
  return a;
}

/** A market record with only the fields asked for (plus ALWAYS), in the record's own order. */
function recordText(rec: WireRecord, fields: readonly string[] | undefined): string {
  if (fields === undefined) return JSON.stringify(rec);
  let text = '';
  for (const k of ALWAYS) {
    const v = rec[k];
    if (v !== undefined) text += `${text === '' ? '{' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  for (const k of fields) {
    const v = rec[k];
    if (v !== undefined) text += `${text === '' ? '{' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `${text}}`;
}

/** The context members asked for, as JSON: all of the record's instrument (see eventLine). */
function ctxText(rec: WireRecord, ctx: StrategyContext, want: ReadonlySet<string>): string {
  const parts: string[] = [];
  if (want.has('time')) parts.push(`"time":${JSON.stringify(ctx.time)}`);
  if (want.has('position')) {
    const pos = ctx.position();
    parts.push(`"position":{"amount":${num(pos.amount)},"entry_price":${num(pos.entry_price)}}`);
  }
  const sym = rec.symbol;
  const known = typeof sym === 'string' && typeof rec.exchange === 'string';
  if (want.has('balances')) {
    let balances = '{}';
    if (known) {
      const [base, quote] = assetsOf(sym);
      const b = ctx.balance(base);
      const q = ctx.balance(quote);
      balances = `{${JSON.stringify(base)}:{"total":${num(b.total)},"free":${num(b.free)}},${JSON.stringify(quote)}:{"total":${num(q.total)},"free":${num(q.free)}}}`;
    }
    parts.push(`"balances":${balances}`);
  }
  if (want.has('open_orders')) {
    const open = known ? ctx.openOrders() : [];
    parts.push(`"open_orders":${open.length > 0 ? JSON.stringify(open) : '[]'}`);
  }
  if (want.has('price')) parts.push(`"price":${num(ctx.price())}`);
  if (want.has('equity')) parts.push(`"equity":${num(ctx.equity())}`);
  if (want.has('size')) parts.push(`"size":${num(ctx.size())}`);
  return `{${parts.join(',')}}`;
}

/**
 * One event line: `{"event":KIND,"record":...,"ctx":{...}}` (for a fill the record is the fill, whole).
 * The context is of the record's instrument: its position, the balances of its base and quote assets
 * on its exchange, its open orders, its last price, the sized amount, and the account's equity.
 */
export function eventLine(
  kind: 'record' | 'fill' | 'disconnect',
  rec: WireRecord,
  ctx: StrategyContext,
  hello: Hello,
): string {
  const r = kind === 'record' ? recordText(rec, hello.fields) : JSON.stringify(rec);
  return `{"event":"${kind}","record":${r},"ctx":${ctxText(rec, ctx, hello.ctx)}}\n`;
}

export const END_LINE = '{"event":"end"}\n';
