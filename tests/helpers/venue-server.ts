/**
 * A loopback HTTP server standing in for the venues in tests: an archive tree laid out like
 * data.binance.vision / public.bybit.com (files with real `.CHECKSUM` sidecars), a REST emulator, and
 * faults injected per path (status codes with Retry-After, HTML served with 200, resets mid-body, slow
 * responses, different bytes). It listens on 127.0.0.1 only; no test touches the internet.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { makeZip } from './zip.js';

export type Fault =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { type: 'html' }
  | { type: 'reset'; after: number }
  | { type: 'slow'; ms: number }
  /** The body `bytes` at a time every `everyMs` (a slow drip: never idle long enough to time out). */
  | { type: 'drip'; bytes: number; everyMs: number }
  | { type: 'bytes'; body: Buffer };

export interface RestReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Logged {
  readonly path: string;
  readonly url: URL;
  readonly range: string | undefined;
  readonly at: number;
}

export class VenueServer {
  readonly files = new Map<string, Buffer>();
  /** Paths whose `.CHECKSUM` is not published. */
  readonly noChecksum = new Set<string>();
  /** Overrides of a file's published checksum line. */
  readonly checksums = new Map<string, string>();
  readonly faults = new Map<string, Fault[]>();
  readonly log: Logged[] = [];
  rangeSupport = true;
  rest: ((url: URL) => RestReply | undefined) | undefined;
  /** Weight reported in X-MBX-USED-WEIGHT-1M: added per REST request. */
  usedWeight = 0;
  weightPerRequest = 1;
  private server: http.Server | undefined;
  url = '';

  addFile(path: string, body: Buffer): void {
    this.files.set(path, body);
  }

  fault(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  /** Requests for paths starting with `prefix` (query strings ignored). */
  requests(prefix = '/'): Logged[] {
    return this.log.filter((l) => l.path.startsWith(prefix));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const range = req.headers.range;
    this.log.push({ path, url, range, at: Date.now() });
    const queue = this.faults.get(path);
    const fault = queue?.shift();
    if (fault?.type === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.type === 'status') {
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
      res.end(fault.body ?? `status ${fault.status}`);
      return;
    }
    if (fault?.type === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>');
      return;
    }
    if (this.rest !== undefined && !this.files.has(path) && !path.endsWith('.CHECKSUM')) {
      const reply = this.rest(url);
      if (reply !== undefined) {
        this.usedWeight += this.weightPerRequest;
        const body = Buffer.from(JSON.stringify(reply.body));
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'x-mbx-used-weight-1m': String(this.usedWeight),
          ...reply.headers,
        });
        res.end(body);
        return;
      }
    }
    let body: Buffer | undefined;
    if (path.endsWith('.CHECKSUM')) {
      const file = path.slice(0, -'.CHECKSUM'.length);
      const data = this.files.get(file);
      if (data !== undefined && !this.noChecksum.has(file)) {
        body = Buffer.from(
          this.checksums.get(file) ??
            `${createHash('sha256').update(data).digest('hex')}  ${basename(file)}\n`,
        );
      }
    } else {
      body = this.files.get(path);
    }
    if (fault?.type === 'bytes') body = fault.body;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    let start = 0;
    const m = range === undefined || !this.rangeSupport ? null : /^bytes=(\d+)-$/.exec(range);
    if (m !== null) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416);
        res.end();
        return;
      }
      res.writeHead(206, {
        'content-length': String(body.length - start),
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      res.writeHead(200, {
        'content-length': String(body.length),
        'content-type': 'application/octet-stream',
      });
    }
    const slice = body.subarray(start);
    if (fault?.type === 'drip') {
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= slice.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(slice.subarray(at, at + fault.bytes));
        at += fault.bytes;
      }, fault.everyMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (fault?.type === 'reset') {
      res.write(slice.subarray(0, fault.after), () => {
        setTimeout(() => req.socket.destroy(), 20);
      });
      return;
    }
    res.end(slice);
  }
}

/** A day of synthetic spot 1m kline rows (no header, milliseconds), as the archive writes them. */
export function klineRows(day: string, base = 100): string[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  const rows: string[] = [];
  for (let i = 0; i < 1440; i++) {
    const o = start + i * 60_000;
    const p = (base + (i % 97) / 10).toFixed(8);
    const h = (base + 1 + (i % 97) / 10).toFixed(8);
    const l = (base - 1 + (i % 97) / 10).toFixed(8);
    rows.push(`${o},${p},${h},${l},${p},1.50000000,${o + 59_999},150.00000000,${i},0.75000000,75.00000000,0`);
  }
  return rows;
}

/** A one-CSV zip of `rows`, as the archive packs them. */
export function zipOf(name: string, rows: readonly string[]): Buffer {
  return makeZip([{ name, data: Buffer.from(`${rows.join('\n')}\n`) }]);
}

/** A page of klines as the emulator is about to send it, for faults (drop, repeat, empty). */
export type KlinePage = (body: unknown[][], page: number, url: URL) => unknown[][];

/**
 * Binance /api/v3/klines over `rows` (CSV rows), as the venue answers: arrays, numbers and strings.
 * A limit above the spot maximum (1000) is answered with 400, as Binance does. `page` may damage
 * each page (its number counts from 0).
 */
export function klinesRest(rowsBySymbol: Map<string, string[]>, page?: KlinePage) {
  let pages = 0;
  return (url: URL): RestReply | undefined => {
    if (!url.pathname.endsWith('/klines')) return undefined;
    const rows = rowsBySymbol.get(url.searchParams.get('symbol') ?? '') ?? [];
    const start = Number(url.searchParams.get('startTime'));
    const end = Number(url.searchParams.get('endTime'));
    const limit = Number(url.searchParams.get('limit'));
    if (limit > 1000) return { status: 400, body: { code: -1100, msg: 'limit above 1000' } };
    const body = rows
      .map((r) => r.split(','))
      .filter((f) => Number(f[0]) >= start && Number(f[0]) <= end)
      .slice(0, limit)
      .map((f) => [
        Number(f[0]),
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        Number(f[6]),
        f[7],
        Number(f[8]),
        f[9],
        f[10],
        f[11],
      ]);
    return { body: page === undefined ? body : page(body, pages++, url) };
  };
}

/** `tickpipe fetch` of BTCUSDT 1m spot candles from the loopback venue at `url`, plus `extra`. */
export function candleArgs(url: string, extra: readonly string[] = []): string[] {
  return [
    'fetch',
    '--exchange',
    'binance_spot',
    '--symbol',
    'BTCUSDT',
    '--kind',
    'candles',
    '--interval',
    '1m',
    '--base-url',
    url,
    '--rest-url',
    url,
    ...extra,
  ];
}

/** `tickpipe fetch` of Bybit's BTCUSDT 1h perpetual candles for 2020-01-05 from the loopback REST API at `url`, plus `extra`. */
export function bybitCandleArgs(url: string, extra: readonly string[] = []): string[] {
  return [
    'fetch',
    '--exchange',
    'bybit_perpetuals_usd',
    '--symbol',
    'BTCUSDT',
    '--kind',
    'candles',
    '--interval',
    '1h',
    '--from',
    '2020-01-05',
    '--to',
    '2020-01-06',
    '--rest-url',
    url,
    ...extra,
  ];
}

/**
 * The hooks every fetch test file needs: a fixed now (`TICKPIPE_NOW`) and short retry backoff for
 * the file, and per test a fresh loopback venue and a temporary folder, handed to `use`.
 */
export function useVenue(
  prefix: string,
  use: (server: VenueServer, dir: string) => void,
  now = '2020-01-10T12:00:00Z',
): void {
  let server: VenueServer | undefined;
  let dir: string | undefined;
  beforeAll(() => {
    process.env.TICKPIPE_NOW = now;
    process.env.TICKPIPE_RETRY_BASE_MS = '5';
  });
  afterAll(() => {
    delete process.env.TICKPIPE_NOW;
    delete process.env.TICKPIPE_RETRY_BASE_MS;
  });
  beforeEach(async () => {
    server = new VenueServer();
    await server.start();
    dir = mkdtempSync(join(tmpdir(), prefix));
    use(server, dir);
  });
  afterEach(async () => {
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
}
