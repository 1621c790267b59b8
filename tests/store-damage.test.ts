/**
 * A damaged store (docs/store.md, "A damaged store"): a partition file altered, cut short, emptied
 * or gone, a manifest that is not JSON or lists what the store did not write. Every command that
 * reads the store (store read, backtest --store, sweep --store, query) says which file, exits 1,
 * and never crashes; store write refuses to replace a partition it cannot read and leaves the
 * whole store as it was.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';

const ROOT_TMP = mkdtempSync(join(tmpdir(), 'tickpipe-store-damage-'));
afterAll(() => rmSync(ROOT_TMP, { recursive: true, force: true }));

const JAN = 'binance_spot/candles/BTCUSDT/1m/year=2024/month=01/data.parquet';
const FEB = 'binance_spot/candles/BTCUSDT/1m/year=2024/month=02/data.parquet';

/** Three days of 1m candles, two of January and one of February: two partitions. */
let candles = '';
let pristine = '';
beforeAll(async () => {
  const g = await runCli(['generate', 'candles', '--count', '4320', '--from', '2024-01-30', '--seed', '7']);
  expect(g.code).toBe(0);
  candles = g.stdout;
  pristine = join(ROOT_TMP, 'pristine');
  const w = await runCli(['store', 'write', pristine], candles);
  expect(w.code).toBe(0);
});

let copies = 0;
function copy(): string {
  const dir = join(ROOT_TMP, `c${copies++}`);
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** Every file of the store and its SHA-256. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, f);
    try {
      out[f] = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      out[f] = 'folder';
    }
  }
  return out;
}

const DAMAGE: Record<string, (path: string) => void> = {
  'zeroed in the middle (a data page)': (path) => {
    const b = readFileSync(path);
    b.fill(0, b.length / 2 - 1000, b.length / 2 + 1000);
    writeFileSync(path, b);
  },
  'cut to half': (path) => truncateSync(path, Math.floor(readFileSync(path).length / 2)),
  'emptied (0 bytes)': (path) => truncateSync(path, 0),
  'its footer zeroed': (path) => {
    const b = readFileSync(path);
    b.fill(0, b.length - 200, b.length - 8);
    writeFileSync(path, b);
  },
  'replaced by text': (path) => writeFileSync(path, '<html>not found</html>\n'.repeat(100)),
  missing: (path) => rmSync(path),
};

/** One clean error line naming `where`: no stack, no internal error. */
function expectLocated(stderr: string, command: string, where: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^tickpipe ${command}: error: `));
  expect(lines[0]).toContain(where);
  expect(stderr).not.toMatch(/internal error|triggerUncaughtException|\n\s+at /);
}

describe('a damaged partition: every reader names the file and exits 1', () => {
  for (const [kind, damage] of Object.entries(DAMAGE)) {
    it(`February's file ${kind}`, async () => {
      const dir = copy();
      damage(join(dir, FEB));
      const file = join(dir, FEB);
      const read = await runCli(['store', 'read', dir, '--kind', 'candles']);
      expect(read.code).toBe(1);
      expectLocated(read.stderr, 'store:read', `${file}: `);
      expect(read.stderr).toContain(
        kind === 'missing' ? 'is in the store' : 'cannot be read as a store partition',
      );
      // What came before the damaged file is January's candles, in order, and nothing of February.
      const times = read.stdout
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l).open_time as string);
      expect(times.every((t) => t < '2024-02-01')).toBe(true);

      const bt = await runCli(['backtest', `--store=${dir}`, '--strategy', 'sma-cross', '--quiet']);
      expect(bt.code).toBe(1);
      expectLocated(bt.stderr, 'backtest', `${file}: `);

      const sw = await runCli([
        'sweep',
        `--store=${dir}`,
        '--strategy',
        'sma-cross',
        '--grid',
        'fast=5,10',
        '--quiet',
      ]);
      expect(sw.code).toBe(1);
      expectLocated(sw.stderr, 'sweep', `${file}: `);

      const q = await runCli(['query', dir, 'SELECT count(*) AS n, sum(volume) AS v FROM candles']);
      expect(q.code).toBe(1);
      expectLocated(
        q.stderr,
        'query',
        kind === 'missing' ? FEB : `${dir}: a partition of the store cannot be read`,
      );
      expect(q.stdout).toBe('');
    });
  }

  it('the remedy it gives works: delete the file, write its month again, and the store reads whole', async () => {
    const dir = copy();
    DAMAGE['zeroed in the middle (a data page)']!(join(dir, FEB));
    const r = await runCli(['store', 'read', dir, '--kind', 'candles']);
    expect(r.stderr).toContain('delete the file, then write its month again with tickpipe store write');
    rmSync(join(dir, FEB));
    const feb = candles
      .trimEnd()
      .split('\n')
      .filter((l) => JSON.parse(l).open_time >= '2024-02-01')
      .join('\n');
    expect((await runCli(['store', 'write', dir], `${feb}\n`)).code).toBe(0);
    const again = await runCli(['store', 'read', dir, '--kind', 'candles']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(candles);
  });
});

describe('store write over a damaged partition', () => {
  it('refuses, naming the file, and leaves every file of the store as it was', async () => {
    const dir = copy();
    DAMAGE['zeroed in the middle (a data page)']!(join(dir, FEB));
    const before = snapshot(dir);
    // The input touches both months: January (readable, first) would have been replaced before
    // February failed.
    const r = await runCli(['store', 'write', dir], candles);
    expect(r.code).toBe(1);
    expectLocated(r.stderr, 'store:write', `${join(dir, FEB)}: cannot be read as a store partition`);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stdout).toBe('');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('store write that cannot write (a file-size limit): a healthy partition is never blamed', () => {
  it('exit 1 naming the partition it could not write, every file as it was, no temporary file', () => {
    const dir = copy();
    const before = snapshot(dir);
    const input = join(ROOT_TMP, 'three-days.ndjson');
    writeFileSync(input, candles);
    // ulimit -f 100: no file of more than 100 blocks; SIGXFSZ ignored, so the write fails with EFBIG.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `trap '' XFSZ; ulimit -f 100; exec "$0" "$1" store write "$2" "$3"`,
        process.execPath,
        BIN,
        dir,
        input,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expectLocated(r.stderr, 'store:write', `${join(dir, JAN)}: the partition could not be written`);
    expect(r.stderr).not.toContain('cannot be read as a store partition');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a damaged manifest', () => {
  const cases: [string, (m: { partitions: Record<string, unknown>[] }) => unknown, string][] = [
    ['not JSON', () => '{"version":1,"partitions":[', 'manifest.json: not valid JSON'],
    [
      'a path outside the store',
      (m) => {
        m.partitions[1]!.path = '../../etc/passwd';
        return m;
      },
      'manifest.json: partition 2: "path" "../../etc/passwd" is not a path inside the store',
    ],
    [
      'a row count that is not a number',
      (m) => {
        m.partitions[0]!.rows = 'many';
        return m;
      },
      'manifest.json: partition 1: expected a whole number for "rows"',
    ],
  ];
  for (const [name, change, message] of cases)
    it(`${name}: store read and query exit 1 saying where`, async () => {
      const dir = copy();
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const changed = change(m);
      writeFileSync(
        join(dir, 'manifest.json'),
        typeof changed === 'string' ? changed : JSON.stringify(changed),
      );
      for (const argv of [
        ['store', 'read', dir, '--kind', 'candles'],
        ['query', dir, 'SELECT 1 AS one'],
      ]) {
        const r = await runCli(argv);
        expect(r.code, argv.join(' ')).toBe(1);
        expectLocated(r.stderr, argv[0] === 'query' ? 'query' : 'store:read', `${dir}/${message}`);
        expect(r.stdout).toBe('');
      }
    });
});
