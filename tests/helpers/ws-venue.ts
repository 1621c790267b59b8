/**
 * A loopback stand-in for Binance's public websocket and REST depth endpoint, replaying frames of a
 * recorded capture, with faults injected on demand. It keeps its own book (a plain price map, not
 * tickpipe's code) from the capture's snapshot and every depth update it passes, so a snapshot asked
 * for after a reconnection matches the stream, as the venue's would. Listens on 127.0.0.1 only.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type WebSocket, WebSocketServer } from 'ws';

export interface Faults {
  /** Close each connection after this many frames. */
  dropEvery?: number;
  /** Send a frame that is not JSON before the frame at this index. */
  malformedAt?: number;
  /** Go silent (send nothing, keep the socket open) from this frame index, on the first connection. */
  silentAt?: number;
  /** Skip (never send) the depth update at this frame index: a sequence gap. */
  skipAt?: number;
  /** Send Binance's serverShutdown event before the frame at this index. */
  shutdownAt?: number;
  /** Wait this long between bursts of 20 frames (default: none). */
  paceMs?: number;
  /** Refuse this many connection attempts after the first connection ends. */
  refuseReconnects?: number;
  /** Hostile frames: each sent (to every connection) before the frame at its index. */
  inject?: Record<number, string>;
}

interface Frame {
  readonly raw: string;
  readonly depth?: { U: number; u: number; b: [string, string][]; a: [string, string][] };
}

/** The frames and the first REST snapshot of a capture in the hftbacktest layout. */
export function loadCapture(
  path: string,
  maxFrames: number,
): { frames: Frame[]; snapshot: Record<string, unknown> } {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
  const frames: Frame[] = [];
  let snapshot: Record<string, unknown> | undefined;
  for (const line of lines) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const raw = line.slice(sp + 1);
    const msg = JSON.parse(raw) as { stream?: string; data?: Record<string, unknown>; lastUpdateId?: number };
    if (msg.lastUpdateId !== undefined) {
      snapshot ??= msg as Record<string, unknown>;
      continue;
    }
    if (snapshot === undefined) continue; // start where the venue's snapshot can serve a book
    const d = msg.data;
    frames.push(
      d?.e === 'depthUpdate'
        ? { raw, depth: { U: d.U as number, u: d.u as number, b: d.b as never, a: d.a as never } }
        : { raw },
    );
    if (frames.length >= maxFrames) break;
  }
  return { frames, snapshot: snapshot! };
}

export class WsVenue {
  readonly connections: number[] = [];
  /** Frames sent, over every connection. */
  sent = 0;
  refused = 0;
  private cursor = 0;
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  private lastU: number;
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private doneListeners: (() => void)[] = [];
  private sockets: { ws: WebSocket; index: number; sent: number; silent: boolean; closing: number }[] = [];
  private pumping = false;
  private ended = 0;
  port = 0;

  constructor(
    private readonly frames: Frame[],
    snapshot: Record<string, unknown>,
    private readonly faults: Faults = {},
  ) {
    for (const [p, q] of snapshot.bids as [string, string][]) this.bids.set(p, q);
    for (const [p, q] of snapshot.asks as [string, string][]) this.asks.set(p, q);
    this.lastU = snapshot.lastUpdateId as number;
    // Diffs the snapshot already contains are applied as the venue's book would have them.
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.connections.length > 0 && this.refused < (this.faults.refuseReconnects ?? 0)) {
        this.refused++;
        socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get ws(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!req.url?.startsWith('/api/v3/depth')) {
      res.writeHead(404).end();
      return;
    }
    const sorted = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        lastUpdateId: this.lastU,
        bids: sorted(this.bids, true),
        asks: sorted(this.asks, false),
      }),
    );
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v3/depth`;
  }

  /** Called once every frame has been sent (or skipped). */
  onDone(f: () => void): void {
    if (this.ended > 0) f();
    else this.doneListeners.push(f);
  }

  /** The book's best bid and ask as the venue has it now. */
  top(): { bid: number; ask: number } {
    const live = (m: Map<string, string>) => [...m].filter(([, q]) => Number(q) > 0).map(([p]) => Number(p));
    return { bid: Math.max(...live(this.bids)), ask: Math.min(...live(this.asks)) };
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The venue's book moves on whether or not anyone is listening. */
  private pass(f: Frame): void {
    if (f.depth === undefined || f.depth.u <= this.lastU) return;
    for (const [p, q] of f.depth.b)
      if (Number(q) === 0) this.bids.delete(p);
      else this.bids.set(p, q);
    for (const [p, q] of f.depth.a)
      if (Number(q) === 0) this.asks.delete(p);
      else this.asks.set(p, q);
    this.lastU = f.depth.u;
  }

  private serve(ws: WebSocket): void {
    this.sockets.push({ ws, index: this.connections.length, sent: 0, silent: false, closing: -1 });
    this.connections.push(0);
    ws.on('close', () => {
      this.sockets = this.sockets.filter((x) => x.ws !== ws);
    });
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => this.pump());
    }
  }

  /**
   * Sends each frame to every open connection (a venue broadcasts), pausing while none listens, so
   * that what a test counts is what the venue published.
   */
  private pump(): void {
    const faults = this.faults;
    for (let k = 0; k < 20; k++) {
      const i = this.cursor;
      if (i >= this.frames.length) {
        this.pumping = false;
        if (this.ended++ === 0) for (const f of this.doneListeners.splice(0)) f();
        return;
      }
      for (const s of [...this.sockets]) {
        if (faults.dropEvery !== undefined && s.sent >= faults.dropEvery) {
          s.ws.terminate();
          this.sockets = this.sockets.filter((x) => x !== s);
          continue;
        }
        if (s.closing === 0) {
          s.ws.terminate();
          this.sockets = this.sockets.filter((x) => x !== s);
          continue;
        }
        if (faults.silentAt === i && s.index === 0) s.silent = true;
      }
      if (faults.malformedAt === i) {
        for (const s of this.sockets) s.ws.send('{"stream":"btcusdt@trade","data":{"e":"trade",');
        delete faults.malformedAt;
      }
      const hostile = faults.inject?.[i];
      if (hostile !== undefined) {
        for (const s of this.sockets) s.ws.send(hostile);
        delete faults.inject![i];
      }
      if (faults.shutdownAt === i) {
        // The notice, then 50 more frames on the old connection before the venue closes it.
        for (const s of this.sockets) {
          s.ws.send('{"e":"serverShutdown","E":1723161260000}');
          s.closing = 50;
        }
        delete faults.shutdownAt;
      }
      const listening = this.sockets.filter((s) => !s.silent);
      if (listening.length === 0) {
        this.pumping = false;
        return; // resumes when a connection opens
      }
      const f = this.frames[i]!;
      this.cursor++;
      this.pass(f);
      if (faults.skipAt === i) continue;
      for (const s of listening) {
        s.ws.send(f.raw);
        s.sent++;
        this.connections[s.index]!++;
        if (s.closing > 0) s.closing--;
      }
      this.sent++;
    }
    if (faults.paceMs === undefined) setImmediate(() => this.pump());
    else setTimeout(() => this.pump(), faults.paceMs);
  }
}
