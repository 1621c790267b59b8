/**
 * The cache lock is a lease (src/core/fetch/cache.ts): renewed by its holder, stale by age on any
 * host, taken over at once when its process is gone on this host.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache } from '../../src/core/fetch/cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickpipe-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lock = (): string => join(dir, '.lock');
const otherHost = (): void =>
  writeFileSync(
    lock(),
    JSON.stringify({ pid: 1, host: `not-${hostname()}`, started: '2020-01-01T00:00:00Z' }),
  );

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > ms) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the cache lock', () => {
  it('holds pid, host and start; its holder renews the lease; close removes it', async () => {
    const cache = await Cache.open(dir, { heartbeatMs: 20 });
    const held = JSON.parse(readFileSync(lock(), 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), heartbeat_ms: 20 });
    const past = new Date(Date.now() - 60_000);
    utimesSync(lock(), past, past);
    await until(() => statSync(lock()).mtimeMs > Date.now() - 5_000);
    cache.close();
    expect(existsSync(lock())).toBe(false);
  });

  it("another host's lock whose lease was not renewed for longer than staleMs is taken over, with a warning", async () => {
    otherHost();
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock(), old, old);
    const warnings: string[] = [];
    const cache = await Cache.open(dir, { lockWaitMs: 5_000, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `cache lock of process 1 on not-${hostname()} was not renewed for 6\\d\\d s \\(stale after 120 s\\): taking it over`,
      ),
    );
    expect(JSON.parse(readFileSync(lock(), 'utf8')).pid).toBe(process.pid);
    cache.close();
  });

  it("another host's fresh lock is waited for, then refused with what it is", async () => {
    otherHost();
    await expect(Cache.open(dir, { lockWaitMs: 300 })).rejects.toThrow(
      new RegExp(
        `locked by process 1 on not-${hostname()} since 2020-01-01T00:00:00Z, its lease renewed \\d+ s ago \\(a lease not renewed for 120 s is taken over\\)`,
      ),
    );
    expect(JSON.parse(readFileSync(lock(), 'utf8')).pid).toBe(1);
  });

  it('a torn lock (not JSON) still goes stale by age', async () => {
    writeFileSync(lock(), '{"pid":');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock(), old, old);
    const cache = await Cache.open(dir, { lockWaitMs: 1_000, warn: () => {} });
    expect(JSON.parse(readFileSync(lock(), 'utf8')).pid).toBe(process.pid);
    cache.close();
  });
});
