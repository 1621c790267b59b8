/**
 * One HTTP request, the layer under HttpClient's retries and rate limits: node:http(s) directly, or
 * undici's EnvHttpProxyAgent when a proxy is set. Both apply an idle timeout (no headers or no body
 * bytes for `timeoutMs`) and a deadline for the whole request (`deadlineMs`), and say which one cut
 * a body short (Node itself only says "aborted").
 */

import http from 'node:http';
import https from 'node:https';
import { type Dispatcher, request as undiciRequest } from 'undici';

export interface Request {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** A failure worth retrying: network error, timeout, 5xx. */
export class Transient extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Why a response was cut by this client (a timeout or the deadline), where Node only says "aborted". */
const CUT = Symbol('cut');
type Cut = http.IncomingMessage & { [CUT]?: Transient };

/** The reason a body ended early: this client's own cut, or a reset by the other end. */
export function cutShort(res: http.IncomingMessage): Transient {
  return (res as Cut)[CUT] ?? new Transient('connection reset mid-body');
}

/** One request: resolves with the response stream (headers received) or rejects. */
export function openDirect(agent: http.Agent, r: Request): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    // The idle timeout below resets on every byte, so a server that drips a few bytes a second
    // would hold a request for ever: the deadline bounds the whole request, headers to last byte.
    const deadline = r.deadlineMs;
    let response: http.IncomingMessage | undefined;
    const timer = setTimeout(() => {
      const e = new Transient(`not finished within ${formatSeconds(deadline)} (the deadline)`);
      if (response !== undefined) {
        (response as Cut)[CUT] = e;
        response.destroy(e);
      } else req.destroy(e);
    }, deadline);
    const u = new URL(r.url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: 'GET',
        headers: r.headers,
        agent,
        signal: r.signal,
      },
      (res) => {
        response = res;
        res.once('close', () => clearTimeout(timer));
        res.setTimeout(r.timeoutMs, () => {
          const e = new Transient(`no data for ${r.timeoutMs / 1000} s (timeout)`);
          (res as Cut)[CUT] = e;
          res.destroy(e);
        });
        resolve(res);
      },
    );
    req.setTimeout(r.timeoutMs, () =>
      req.destroy(new Transient(`no response in ${r.timeoutMs / 1000} s (timeout)`)),
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

/**
 * One request through undici's EnvHttpProxyAgent (a CONNECT tunnel through HTTP(S)_PROXY, direct
 * for NO_PROXY hosts), with the same idle timeout and deadline. The body is handed on shaped as
 * the node:http response the callers read (status, headers, `complete`).
 */
export async function openProxied(proxy: Dispatcher, r: Request): Promise<http.IncomingMessage> {
  const deadline = r.deadlineMs;
  const stop = new AbortController();
  let body: Cut | undefined;
  let cut: Transient | undefined;
  const timer = setTimeout(() => {
    cut = new Transient(`not finished within ${formatSeconds(deadline)} (the deadline)`);
    if (body !== undefined) {
      body[CUT] = cut;
      body.destroy(cut);
    } else stop.abort(cut);
  }, deadline);
  const signals = [stop.signal, ...(r.signal === undefined ? [] : [r.signal])];
  try {
    const reply = await undiciRequest(r.url, {
      method: 'GET',
      headers: r.headers,
      dispatcher: proxy,
      signal: AbortSignal.any(signals),
      headersTimeout: r.timeoutMs,
      bodyTimeout: r.timeoutMs,
    });
    const res = reply.body as unknown as Cut & { statusCode: number; headers: unknown; complete: boolean };
    res.statusCode = reply.statusCode;
    res.headers = reply.headers;
    res.complete = false;
    res.once('end', () => {
      res.complete = true;
    });
    res.once('close', () => clearTimeout(timer));
    body = res;
    return res;
  } catch (error) {
    clearTimeout(timer);
    throw cut ?? error;
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export function readBody(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('error', (e) =>
      reject(e instanceof Transient ? e : new Transient(`connection lost: ${e.message}`)),
    );
    res.on('aborted', () => reject(cutShort(res)));
    res.on('end', () => {
      if (!res.complete) reject(cutShort(res));
      else resolve(Buffer.concat(parts));
    });
  });
}

export function describeBody(body: Buffer, headers: http.IncomingHttpHeaders): string {
  const type = String(headers['content-type'] ?? '');
  const text = body.toString('utf8', 0, Math.min(body.length, 200));
  if (type.includes('html') || /^\s*</.test(text)) return 'an HTML page';
  return `"${text.replace(/\s+/g, ' ').slice(0, 60)}"`;
}
