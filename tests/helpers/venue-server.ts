/**
 * A loopback HTTP server standing in for the venues in tests: an archive tree laid out like
 * data.binance.vision / public.bybit.com (files with real `.CHECKSUM` sidecars), a REST emulator, and
 * faults injected per path (status codes with Retry-After, HTML served with 200, resets mid-body, slow
 * responses, different bytes). It listens on 127.0.0.1 only; no test touches the internet.
 */

import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

export type Fault =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { type: 'html' }
  | { type: 'reset'; after: number }
  | { type: 'slow'; ms: number }
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
    if (fault?.type === 'reset') {
      res.write(slice.subarray(0, fault.after), () => {
        setTimeout(() => req.socket.destroy(), 20);
      });
      return;
    }
    res.end(slice);
  }
}
