/**
 * connect --replay under signals, record limits and bad files (#20 item 8). Signal tests wait for the
 * process to be ready (its first output), never for a fixed time.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, parseLines, ROOT, runCli, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-signals-'));

/** A capture of `n` bookTicker frames `gapMs` apart, in the `<ns> <json>` layout. */
function capture(name: string, n: number, gapMs: number): string {
  const t0 = 1_723_161_260_000n * 1_000_000n;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const ns = t0 + BigInt(i * gapMs) * 1_000_000n;
    lines.push(
      `${ns} {"stream":"btcusdt@bookTicker","data":{"u":${1000 + i},"s":"BTCUSDT","b":"61829.${10 + i}","B":"1","a":"61830.${10 + i}","A":"1"}}`,
    );
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Spawns the CLI; resolves once it has written its first bytes to stdout. */
function started(argv: string[]): {
  child: ChildProcess;
  ready: Promise<void>;
  out: () => string;
  err: () => string;
} {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      resolve();
    });
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d;
  });
  return { child, ready, out: () => out, err: () => err };
}

/** Children still running when a test ends (a failed one) are killed, not left behind. */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

describe('connect --replay: limits, signals and bad files', () => {
  it('--pace realtime stops at --max-records (it wrote every record before)', async () => {
    const file = capture('paced.txt', 6, 200);
    const r = await runCli([
      'connect',
      '--replay',
      file,
      '--pace',
      'realtime',
      '--max-records',
      '2',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout).map((q) => q.sequence)).toEqual([1000, 1001]);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '--pace realtime: %s while waiting for the next frame ends the replay at once, exit %d',
    async (signal, code) => {
      // A frame a minute: without an interruptible wait the process would sit out the test's timeout.
      const file = capture(`slow-${signal}.txt`, 5, 60_000);
      const p = started(['connect', '--replay', file, '--pace', 'realtime', '--quiet']);
      await p.ready;
      p.child.kill(signal);
      expect(await exited(p.child)).toBe(code);
      expect(parseLines(p.out()).map((q) => q.sequence)).toEqual([1000]);
      expect(p.err()).toBe('');
    },
  );

  it('a capture that does not exist is a usage error, exit 2', async () => {
    const r = await runInProcess(['connect', '--replay', '/nonexistent/capture.gz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --replay /nonexistent/capture.gz: no such file');
    const d = await runInProcess(['connect', '--replay', dir]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('is a directory');
    const rest = await runInProcess([
      'connect',
      '--replay',
      capture('ok.txt', 2, 1),
      '--rest-file',
      '/nonexistent',
    ]);
    expect(rest.code).toBe(2);
    expect(rest.stderr).toContain('--rest-file /nonexistent: no such file');
  });

  it('a corrupt gzip capture is an error naming the file, exit 1, no stack', async () => {
    const good = gzipSync(
      Buffer.from('1723161260000000000 {"stream":"btcusdt@bookTicker","data":{}}\n'.repeat(50)),
    );
    const bad = Buffer.concat([good.subarray(0, 20), Buffer.alloc(40, 0x55), good.subarray(60)]);
    const file = join(dir, 'corrupt.gz');
    writeFileSync(file, bad);
    const r = await runInProcess(['connect', '--replay', file, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: corrupt\.gz: corrupt gzip input: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const s = await runInProcess(['sanitize', file]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`error: ${file}: corrupt gzip input: `);
  });
});

describeShared('connect --replay of the shared gzip capture under signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s mid-replay: exit %d after flushing, no "Unhandled \'error\' event"',
    async (signal, code) => {
      const p = started([
        'connect',
        '--replay',
        sharedFile('hftbacktest/spot/btcusdt_20240808.gz'),
        '--pace',
        'realtime',
        '--quiet',
      ]);
      await p.ready;
      p.child.kill(signal);
      expect(await exited(p.child)).toBe(code);
      expect(p.err()).toBe('');
      expect(p.out().endsWith('\n')).toBe(true);
      expect(parseLines(p.out()).length).toBeGreaterThan(0);
    },
  );
});
