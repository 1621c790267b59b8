/**
 * The HTTP client `fetch` uses for archives and REST APIs: retries, rate limits and downloads over
 * one request at a time (transport.ts: node:http(s), or undici when a proxy is set).
 *
 * - An idle timeout per request (no response headers, or no body bytes, for `timeoutMs`) and a
 *   deadline for the whole request (`deadlineMs`, default 20 × `timeoutMs`): either fails it, and
 *   it is retried (a download resumes with a Range request from what it has).
 * - Retries (up to `retries`) on network errors (resets mid-body included), timeouts and 5xx, with
 *   exponential backoff and full jitter from `retryBaseMs`.
 * - 429 and 418: every request of this client waits `Retry-After` seconds (a shared pause: all
 *   workers stop, as Binance asks), then the request is retried.
 * - HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms) are honoured through undici's
 *   EnvHttpProxyAgent: with a proxy set, requests go through a CONNECT tunnel.
 * - Binance's used-weight header (`X-MBX-USED-WEIGHT-1M`) is tracked: a request that would take the
 *   minute's weight past `weightSafety` of the limit waits for the next minute first.
 * - Downloads stream to disk, resume a partial file with a `Range` request, and refuse an HTML page
 *   served with status 200 where a file was expected. A write error (a full disk) fails the download
 *   (never retried, never resolved over); a finished file is fsynced and its SHA-256 is taken over
 *   what is on disk, not over the bytes received.
 */

import { createWriteStream, statSync, truncateSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { TickpipeError } from '../errors.js';
import { systemError } from '../io/errno.js';
import { syncAndHash } from './disk.js';
import { cutShort, describeBody, openDirect, openProxied, readBody, Transient } from './transport.js';

export class HttpError extends TickpipeError {
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
  }
}

export interface HttpOptions {
  /** Idle limit: no response headers, or no body bytes, for this long fails the request. */
  readonly timeoutMs?: number;
  /** Whole-request limit, headers to last byte (default DEADLINE_FACTOR × timeoutMs). */
  readonly deadlineMs?: number;
  readonly retries?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly signal?: AbortSignal | undefined;
  readonly userAgent?: string;
  /** Called for each retry and pause, for --verbose. */
  readonly log?: ((message: string) => void) | undefined;
  /** Fraction of the weight limit not to exceed (default 0.9). */
  readonly weightSafety?: number;
  /** Longest Retry-After honoured, in seconds (default 600); a longer one fails the request. */
  readonly maxRetryAfterS?: number;
  /** The environment HTTP(S)_PROXY and NO_PROXY are read from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** For tests: a clock and a sleep. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface DownloadResult {
  readonly status: 'ok' | 'not_found';
  readonly bytes: number;
  readonly sha256: string;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The whole-request deadline is this many idle timeouts (10 minutes at the default 30 s). */
export const DEADLINE_FACTOR = 20;

export class HttpClient {
  private pausedUntil = 0;
  private readonly weight = new Map<string, { used: number; minute: number }>();
  /** Counters for the closing report and tests. */
  requests = 0;
  retried = 0;
  rateLimited = 0;
  bytes = 0;
  private readonly agentHttp = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly agentHttps = new https.Agent({ keepAlive: true, maxSockets: 16 });
  /** undici's agent for HTTP(S)_PROXY and NO_PROXY, when a proxy is set in the environment. */
  private readonly proxy: Dispatcher | undefined;

  constructor(private readonly options: HttpOptions = {}) {
    const env = options.env ?? process.env;
    const set = (name: string): boolean => (env[name] ?? env[name.toUpperCase()] ?? '') !== '';
    if (set('https_proxy') || set('http_proxy'))
      this.proxy = new EnvHttpProxyAgent({
        httpProxy: env.http_proxy ?? env.HTTP_PROXY,
        httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
        noProxy: env.no_proxy ?? env.NO_PROXY,
      } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private get deadlineMs(): number {
    return this.options.deadlineMs ?? DEADLINE_FACTOR * this.timeoutMs;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? defaultSleep)(ms, this.options.signal);
  }

  close(): void {
    this.agentHttp.destroy();
    this.agentHttps.destroy();
    void this.proxy?.close();
  }

  private backoff(attempt: number): number {
    const base = this.options.retryBaseMs ?? 500;
    const cap = this.options.retryMaxMs ?? 30_000;
    return Math.random() * Math.min(cap, base * 2 ** attempt);
  }

  /** Waits out a shared pause (429/418) and the weight budget of `host`. */
  private async gate(host: string, weight: number, limit: number): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - this.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      if (limit > 0 && weight > 0) {
        const minute = Math.floor(this.now() / 60_000);
        const w = this.weight.get(host);
        const used = w !== undefined && w.minute === minute ? w.used : 0;
        if (used + weight > limit * (this.options.weightSafety ?? 0.9)) {
          const until = (minute + 1) * 60_000 + 100;
          this.options.log?.(
            `${host}: used weight ${used} of ${limit} this minute; waiting ${((until - this.now()) / 1000).toFixed(1)} s`,
          );
          this.pausedUntil = Math.max(this.pausedUntil, until);
          continue;
        }
        this.weight.set(host, { used: used + weight, minute });
      }
      return;
    }
  }

  private noteWeight(host: string, headers: http.IncomingHttpHeaders): void {
    const h = headers['x-mbx-used-weight-1m'];
    const used = Number(Array.isArray(h) ? h[0] : h);
    if (h !== undefined && Number.isFinite(used))
      this.weight.set(host, { used, minute: Math.floor(this.now() / 60_000) });
  }

  private pauseFor(url: string, res: http.IncomingMessage): void {
    const h = res.headers['retry-after'];
    const seconds = Number(Array.isArray(h) ? h[0] : h);
    const wait = Number.isFinite(seconds) && seconds >= 0 ? seconds : 60;
    const max = this.options.maxRetryAfterS ?? 600;
    if (wait > max)
      throw new HttpError(
        url,
        res.statusCode ?? 0,
        `status ${res.statusCode}: asked to wait ${wait} s (more than ${max} s); giving up`,
      );
    this.rateLimited++;
    this.options.log?.(`${url}: status ${res.statusCode}; all requests wait ${wait} s (Retry-After)`);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + wait * 1000);
  }

  /** One request: resolves with the response stream (headers received) or rejects. */
  private open(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
    const request = {
      url,
      headers: {
        'user-agent': this.options.userAgent ?? 'tickpipe',
        'accept-encoding': 'identity',
        ...headers,
      },
      timeoutMs: this.timeoutMs,
      deadlineMs: this.deadlineMs,
      signal: this.options.signal,
    };
    if (this.proxy !== undefined) return openProxied(this.proxy, request);
    return openDirect(new URL(url).protocol === 'https:' ? this.agentHttps : this.agentHttp, request);
  }

  /**
   * Runs `attempt` with retries: Transient errors and network errors are retried with backoff;
   * other errors pass through.
   */
  private async withRetries<T>(url: string, attempt: (n: number) => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 4;
    for (let n = 0; ; n++) {
      try {
        return await attempt(n);
      } catch (error) {
        if (this.options.signal?.aborted === true) throw this.options.signal.reason;
        if (error instanceof HttpError || error instanceof TickpipeError) throw error;
        const e = error as Error & { code?: string };
        if (n >= retries)
          throw new HttpError(
            url,
            (error as Transient).status ?? 0,
            `failed after ${n + 1} attempts: ${e.message}`,
          );
        const wait = this.backoff(n);
        this.retried++;
        this.options.log?.(
          `${url}: ${e.message}; retry ${n + 1} of ${retries} in ${(wait / 1000).toFixed(2)} s`,
        );
        await this.sleep(wait);
      }
    }
  }

  /** GET returning the whole body (REST calls). 404 is returned, not thrown; other 4xx throw. */
  async get(url: string, opts: { weight?: number; weightLimit?: number } = {}): Promise<Response> {
    const host = new URL(url).host;
    return this.withRetries(url, async () => {
      await this.gate(host, opts.weight ?? 1, opts.weightLimit ?? 0);
      this.requests++;
      const res = await this.open(url, { accept: 'application/json' });
      this.noteWeight(host, res.headers);
      const status = res.statusCode ?? 0;
      const body = await readBody(res);
      this.bytes += body.length;
      if (status === 429 || status === 418) {
        this.pauseFor(url, res);
        throw new Transient(`status ${status}`, status);
      }
      if (status >= 500) throw new Transient(`status ${status}`, status);
      if (status >= 400 && status !== 404)
        throw new HttpError(
          url,
          status,
          `status ${status}: ${body.toString('utf8', 0, 200).replace(/\s+/g, ' ')}`,
        );
      return { status, headers: res.headers, body };
    });
  }

  /** GET a JSON document; refuses an HTML error page. */
  async getJson(url: string, opts: { weight?: number; weightLimit?: number } = {}): Promise<unknown> {
    const res = await this.get(url, opts);
    if (res.status === 404) throw new HttpError(url, 404, 'status 404 (not found)');
    const text = res.body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(url, res.status, `expected JSON, found ${describeBody(res.body, res.headers)}`);
    }
  }

  /**
   * Downloads `url` to `part`, resuming from the bytes already in `part` when the server honours a
   * Range request. `expect` checks the first bytes (magic number) so that an HTML error page served
   * with 200 is refused. Returns not_found for a 404.
   */
  async download(
    url: string,
    part: string,
    expect: (head: Buffer) => string | undefined,
  ): Promise<DownloadResult> {
    const host = new URL(url).host;
    return this.withRetries(url, async () => {
      await this.gate(host, 0, 0);
      let have = 0;
      try {
        have = statSync(part).size;
      } catch {
        have = 0;
      }
      this.requests++;
      const res = await this.open(url, have > 0 ? { range: `bytes=${have}-` } : {});
      const status = res.statusCode ?? 0;
      if (status === 404) {
        res.resume();
        return { status: 'not_found', bytes: 0, sha256: '' };
      }
      if (status === 429 || status === 418) {
        res.resume();
        this.pauseFor(url, res);
        throw new Transient(`status ${status}`, status);
      }
      if (status >= 500) {
        res.resume();
        throw new Transient(`status ${status}`, status);
      }
      if (status === 416 && have > 0) {
        // The part file is already complete (or longer than the file): start again.
        res.resume();
        truncateSync(part, 0);
        throw new Transient('range not satisfiable; restarting the download');
      }
      if (status !== 200 && status !== 206) {
        const body = await readBody(res);
        throw new HttpError(
          url,
          status,
          `status ${status}: ${body.toString('utf8', 0, 200).replace(/\s+/g, ' ')}`,
        );
      }
      const append = status === 206 && have > 0;
      if (!append) have = 0;
      const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
      let first = !append;
      let total = have;
      try {
        await new Promise<void>((resolve, reject) => {
          out.on('error', (e) => reject(systemError(part, e)));
          res.on('error', (e) =>
            reject(e instanceof Transient ? e : new Transient(`connection lost: ${e.message}`)),
          );
          res.on('aborted', () => reject(cutShort(res)));
          res.on('data', (chunk: Buffer) => {
            if (first) {
              first = false;
              const problem = expect(chunk);
              if (problem !== undefined) {
                reject(
                  new HttpError(
                    url,
                    status,
                    `${problem}: found ${describeBody(chunk, res.headers)} with status ${status}`,
                  ),
                );
                res.destroy();
                return;
              }
            }
            total += chunk.length;
            this.bytes += chunk.length;
            if (!out.write(chunk)) {
              res.pause();
              out.once('drain', () => res.resume());
            }
          });
          res.on('end', () => {
            if (!res.complete) reject(cutShort(res));
            // A write that failed (a full disk) fails the download: never resolve over it.
            else out.end((e?: Error | null) => (e ? reject(systemError(part, e)) : resolve()));
          });
        });
      } catch (error) {
        res.destroy();
        if (error instanceof Transient) {
          // Keep what was received for the Range resume: let the writes in flight land first.
          await new Promise<void>((resolve) => {
            out.once('error', () => resolve());
            out.end(() => resolve());
          });
        } else out.destroy();
        if (error instanceof HttpError) {
          // What was written is not the file: do not resume from it.
          try {
            truncateSync(part, 0);
          } catch {
            // not created yet
          }
        }
        throw error;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && total - (append ? have : 0) !== declared)
        throw new Transient(`body of ${total} bytes, Content-Length said ${declared}`);
      // The file is what is on disk, not what was received: flush it to the device, then hash
      // what is there. (A full disk that dropped bytes shows as a size or checksum mismatch.)
      const onDisk = await syncAndHash(part);
      if (onDisk.bytes !== total)
        throw new TickpipeError(
          `${part}: ${onDisk.bytes} bytes on disk after writing ${total} (the file system dropped some)`,
        );
      return { status: 'ok', bytes: total, sha256: onDisk.sha256 };
    });
  }
}

/** Checks for the zip magic number. */
export function expectZip(head: Buffer): string | undefined {
  return head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b ? undefined : 'expected a zip file';
}

/** Checks for the gzip magic number. */
export function expectGzip(head: Buffer): string | undefined {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b ? undefined : 'expected a gzip file';
}
