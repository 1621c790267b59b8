/**
 * Binance raw market data (combined-stream frames and REST depth snapshots) to normalised records,
 * with the venue's documented local-book procedure. The same code serves `connect` live and
 * `connect --replay` on a recording.
 *
 * Messages (the `data` of a `{stream, data}` frame):
 * - `depthUpdate` (spot `U`/`u`; futures also `pu`): a `book` delta with `sequence` u,
 *   `first_sequence` U and `prev_sequence` pu; `time` the event time E.
 * - `bookTicker`: a `quote` with `sequence` u; spot's carries no event time, so its `time` is the
 *   receive time (futures: E).
 * - `trade` / `aggTrade`: a `trade` (`m`, the buyer was the maker, means the aggressor sold).
 * - `kline`: a `candle`, only once `k.x` says it closed.
 * - `forceOrder` (futures): a `venue_liquidation` (binance/liquidation.ts).
 * - A REST depth snapshot (`lastUpdateId`, `bids`, `asks`): a `book` with `snapshot: true`.
 *
 * The book procedure, per symbol: diffs that arrive before the snapshot are buffered; when the
 * snapshot arrives it is emitted, the buffered diffs it already contains are dropped and the rest
 * are checked and emitted; every later diff is checked (spot: U = previous u + 1; futures: pu =
 * previous u). On a gap a `disconnect` record is emitted for that book (expected and found
 * sequence) and its diffs wait for the next snapshot. So the `book` records emitted (a snapshot,
 * then deltas) pass `tickpipe orderbook`'s checks.
 */

import { ruleFor, Sequencer } from '../../book/sequence.js';
import { attachText, type WireRecord } from '../../records/record.js';
import { formatTime, parseCanonicalTime } from '../../records/time.js';
import { FeedIntake, newFeedStats, venueNumber } from '../intake.js';
import { type ScannedLevels, scanLevels } from './levels-text.js';
import { forceOrderRecord } from './liquidation.js';
import {
  klineRecord,
  ms,
  quoted,
  type Source,
  tickerRecord,
  tradeRecord,
  type Validate,
} from './messages.js';

/**
 * The event `connect` records (and feeds) when a connection breaks: `{"e":"tickpipe_connection_lost",
 * "reason":...}`. It is part of a recording, so a replay writes the same `disconnect` record.
 */
export const CONNECTION_LOST = 'tickpipe_connection_lost';

/** Most diffs held while waiting for a snapshot; older ones are dropped (and counted). */
const MAX_BUFFER = 100_000;

interface SymbolState {
  readonly seq: Sequencer;
  synced: boolean;
  buffer: WireRecord[];
  /** A snapshot waiting for its first applied diff, whose time it takes if that is earlier. */
  held: Raw | undefined;
}

export interface FeedStats {
  messages: number;
  malformed: number;
  /** Records refused at the boundary (a price that is not a number, a sequence beyond 2^53, ...). */
  refused: number;
  gaps: number;
  staleDropped: number;
  bufferDropped: number;
}

type Raw = Record<string, unknown>;

/** A venue's levels as [price, amount] numbers; anything else is kept as found, for the validator to refuse. */
export function levels(v: unknown): unknown {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return v;
  const out: unknown[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    out[i] = Array.isArray(l) ? [venueNumber(l[0]), venueNumber(l[1])] : l;
  }
  return out;
}

export class BinanceFeed {
  readonly stats: FeedStats = newFeedStats();
  private readonly symbols = new Map<string, SymbolState>();
  private readonly intake: FeedIntake;
  private lastSymbol: string | undefined;

  private readonly exchangeJson: string;
  /** The exchange as the message records (messages.ts) take it. */
  private readonly source: Source;
  private readonly validate: Validate = (rec) => this.intake.valid(rec);

  /**
   * `exchange`: binance_spot, binance_futures_usd or binance_futures_coin (decides the book rule).
   * `onProblem` hears of every record refused at the boundary (see exchanges/intake.ts).
   */
  constructor(
    readonly exchange: string,
    onProblem?: (detail: string) => void,
  ) {
    this.exchangeJson = JSON.stringify(exchange);
    this.source = { exchange, exchangeJson: this.exchangeJson };
    this.intake = new FeedIntake(this.stats, onProblem);
  }

  private notUnderstood(): void {
    this.intake.notUnderstood();
  }

  private valid(rec: Raw): WireRecord | undefined {
    return this.intake.valid(rec);
  }

  private state(symbol: string): SymbolState {
    let s = this.symbols.get(symbol);
    if (s === undefined) {
      s = { seq: new Sequencer(ruleFor(this.exchange)), synced: false, buffer: [], held: undefined };
      this.symbols.set(symbol, s);
    }
    return s;
  }

  /** One websocket frame (already JSON-parsed), received at `localUs`. */
  frame(msg: unknown, localUs: number, out: WireRecord[]): void {
    this.stats.messages++;
    const wrapped = msg as { stream?: unknown; data?: unknown } | null;
    const data = (
      wrapped !== null && typeof wrapped === 'object' && 'data' in wrapped ? wrapped.data : msg
    ) as Raw | null;
    if (data === null || typeof data !== 'object') {
      this.notUnderstood();
      return;
    }
    const local = formatTime(localUs, 'us');
    const e = data.e;
    if (e === 'depthUpdate') this.depth(data, local, out);
    else if (e === 'bookTicker' || (e === undefined && 'b' in data && 'B' in data && 'u' in data))
      this.ticker(data, local, out);
    else if (e === 'trade' || e === 'aggTrade') this.trade(data, local, out);
    else if (e === 'kline') this.kline(data, local, out);
    else if (e === 'forceOrder') this.liquidation(data, local, out);
    else if ('lastUpdateId' in data) this.snapshot(data, localUs, undefined, out);
    else if (e === CONNECTION_LOST) this.connectionLost(data, local, out);
    else if ('id' in data && ('result' in data || 'error' in data))
      return; // a subscription reply
    else this.notUnderstood();
  }

  /**
   * A REST depth snapshot. `symbol` names it when the body does not (spot bodies do not; a recording
   * of one symbol then means the symbol seen last).
   */
  snapshot(body: Raw, localUs: number, symbol: string | undefined, out: WireRecord[]): void {
    const sym = (typeof body.symbol === 'string' ? body.symbol : (symbol ?? this.lastSymbol))?.toUpperCase();
    const L = body.lastUpdateId;
    if (sym === undefined || typeof L !== 'number') {
      this.notUnderstood();
      return;
    }
    const rec = this.valid({
      type: 'book',
      time: ms(body.E) ?? formatTime(localUs, 'us'),
      local_time: formatTime(localUs, 'us'),
      exchange: this.exchange,
      symbol: sym,
      snapshot: true,
      bids: levels(body.bids),
      asks: levels(body.asks),
      sequence: L,
    });
    if (rec === undefined) return;
    const st = this.state(sym);
    if (st.held !== undefined) out.push(st.held as WireRecord);
    st.held = { ...rec };
    st.seq.snapshot(L);
    st.synced = true;
    const held = st.buffer;
    st.buffer = [];
    for (const d of held) this.check(st, d, out);
  }

  /**
   * A frame as its text (replay): a depth update has its levels read straight from the text
   * (levels-text.ts) and only the rest of the message goes through JSON.parse; the records are the
   * ones `frame` makes of the same message. Returns false, having done nothing, for any other frame
   * or a depth update whose levels are not plain decimals: the caller then parses it and calls `frame`.
   */
  frameText(json: string, localUs: number, out: WireRecord[]): boolean {
    const b = json.indexOf(',"b":[');
    if (b === -1) return false;
    const bids = scanLevels(json, b + 5);
    if (bids === undefined || !json.startsWith(',"a":', bids.end)) return false;
    const asks = scanLevels(json, bids.end + 5);
    if (asks === undefined) return false;
    const tail = json.slice(asks.end);
    if (tail !== '}' && tail !== '}}') return false;
    let head: unknown;
    try {
      head = JSON.parse(json.slice(0, b) + tail);
    } catch {
      return false;
    }
    if (head === null || typeof head !== 'object') return false;
    // The levels must have been the last two fields of the depth update itself: of the message when
    // it is bare (one closing brace), of its `data` when wrapped (two, and `data` the last field).
    const wrapped = tail === '}}';
    if (wrapped && Object.keys(head).at(-1) !== 'data') return false;
    if (!wrapped && 'data' in head) return false;
    const data = (wrapped ? (head as { data: unknown }).data : head) as Raw | null;
    if (data === null || typeof data !== 'object' || Array.isArray(data) || data.e !== 'depthUpdate')
      return false;
    this.stats.messages++;
    this.depth(data, formatTime(localUs, 'us'), out, bids, asks);
    return true;
  }

  private depth(d: Raw, local: string, out: WireRecord[], bids?: ScannedLevels, asks?: ScannedLevels): void {
    const time = ms(d.E) ?? local;
    const rec: Raw = {
      type: 'book',
      time,
      local_time: local,
      exchange: this.exchange,
      symbol: d.s,
      snapshot: false,
      bids: bids?.levels ?? levels(d.b),
      asks: asks?.levels ?? levels(d.a),
      sequence: d.u,
      first_sequence: d.U,
    };
    if (d.pu !== undefined) rec.prev_sequence = d.pu;
    const ok = this.valid(rec);
    if (ok === undefined) return;
    const symbol = d.s as string;
    this.lastSymbol = symbol;
    // The record's JSON text, from the scanned levels' text (records are not changed after this).
    if (
      ok === rec &&
      bids !== undefined &&
      asks !== undefined &&
      typeof d.u === 'number' &&
      typeof d.U === 'number' &&
      (d.pu === undefined || typeof d.pu === 'number')
    )
      attachText(
        rec,
        `{"type":"book","time":"${time}","local_time":"${local}","exchange":${this.exchangeJson},"symbol":${quoted(symbol)},"snapshot":false,"bids":[${bids.text}],"asks":[${asks.text}],"sequence":${d.u},"first_sequence":${d.U}${d.pu === undefined ? '' : `,"prev_sequence":${d.pu}`}}`,
      );
    const st = this.state(symbol);
    if (!st.synced) {
      st.buffer.push(ok);
      if (st.buffer.length > MAX_BUFFER) {
        st.buffer.shift();
        this.stats.bufferDropped++;
      }
      return;
    }
    this.check(st, ok, out);
  }

  private check(st: SymbolState, rec: WireRecord, out: WireRecord[]): void {
    const v = st.seq.check({
      sequence: rec.sequence as number,
      first: rec.first_sequence as number | undefined,
      prev: rec.prev_sequence as number | undefined,
    });
    if (v === 'apply') {
      const held = st.held;
      if (held !== undefined) {
        // A snapshot describes the book as of its last update id; the diffs after it happened later.
        // Spot snapshots carry no event time, and a futures one is stamped when it was answered, so
        // it takes the first following diff's time when that is earlier: times then never go back.
        if (parseCanonicalTime(rec.time as string) < parseCanonicalTime(held.time as string))
          held.time = rec.time;
        out.push(held as WireRecord);
        st.held = undefined;
      }
      out.push(rec);
    } else if (v === 'stale') this.stats.staleDropped++;
    else if (v === 'gap') {
      this.stats.gaps++;
      this.unsync(st, out);
      out.push({
        type: 'disconnect',
        time: rec.time,
        local_time: rec.local_time,
        exchange: this.exchange,
        symbol: rec.symbol,
        reason: 'book sequence gap',
        expected: st.seq.expected,
        found: st.seq.found,
      });
    }
  }

  /** A book waits for a new snapshot (a snapshot still held is written first: it was valid). */
  private unsync(st: SymbolState, out: WireRecord[]): void {
    if (st.held !== undefined) out.push(st.held as WireRecord);
    st.held = undefined;
    st.synced = false;
    st.buffer = [];
  }

  /**
   * The connection broke: a `disconnect` record for the venue, and every book waits for a new
   * snapshot (what was missed cannot be recovered from the diff stream).
   */
  private connectionLost(d: Raw, local: string, out: WireRecord[]): void {
    const time = local.length === 27 ? `${local.slice(0, 23)}Z` : local;
    const reason = typeof d.reason === 'string' ? d.reason : 'connection lost';
    // One connection of several: only its symbols lost data.
    const only = Array.isArray(d.symbols) ? (d.symbols as unknown[]).map(String) : undefined;
    if (only === undefined) {
      for (const st of this.symbols.values()) this.unsync(st, out);
      out.push({ type: 'disconnect', time, local_time: local, exchange: this.exchange, reason });
      return;
    }
    for (const symbol of only) {
      const st = this.symbols.get(symbol);
      if (st !== undefined) this.unsync(st, out);
      out.push({ type: 'disconnect', time, local_time: local, exchange: this.exchange, symbol, reason });
    }
  }

  /** Emits snapshots still waiting for a diff (at the end of a replay or a session). */
  finish(out: WireRecord[]): void {
    for (const st of this.symbols.values()) {
      if (st.held !== undefined) out.push(st.held as WireRecord);
      st.held = undefined;
    }
  }

  /** True while a symbol's book waits for a snapshot (after a gap, or before the first). */
  needsSnapshot(symbol: string): boolean {
    return !this.state(symbol.toUpperCase()).synced;
  }

  private ticker(d: Raw, local: string, out: WireRecord[]): void {
    const rec = tickerRecord(this.source, d, local, this.validate);
    if (rec !== undefined) out.push(rec);
  }

  private trade(d: Raw, local: string, out: WireRecord[]): void {
    const rec = tradeRecord(this.source, d, local, this.validate);
    if (rec !== undefined) out.push(rec);
  }

  private kline(d: Raw, local: string, out: WireRecord[]): void {
    const rec = klineRecord(this.source, d, local, this.validate);
    if (rec !== undefined) out.push(rec);
  }

  private liquidation(d: Raw, local: string, out: WireRecord[]): void {
    const rec = forceOrderRecord(this.exchange, d, local);
    if (rec === undefined) {
      this.notUnderstood();
      return;
    }
    const ok = this.valid(rec);
    if (ok !== undefined) out.push(ok);
  }
}
