/**
 * Faults `fetch` meets in a nightly job, against loopback servers this file starts: a full disk (a
 * tmpfs of a few hundred KiB, and a part file that is /dev/full), a cache file altered in place, a
 * missing .CHECKSUM, and output to a full device. Each must end in a located message and exit 1,
 * with nothing wrong kept under a real name.
 */

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, parseLines, ROOT, runInProcess } from './helpers/cli.js';
import {
  bybitCandleArgs,
  candleArgs,
  type KlinePage,
  klineRows,
  klinesRest,
  useVenue,
  type VenueServer,
  zipOf,
} from './helpers/venue-server.js';
import { makeZip } from './helpers/zip.js';

const KLINES = '/data/spot/daily/klines/BTCUSDT/1m';
const NOW = '2020-01-10T12:00:00Z';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let server: VenueServer;
let cacheRoot: string;
useVenue('tickpipe-faults-', (s, d) => {
  server = s;
  cacheRoot = d;
});

function fetchArgs(extra: string[] = []): string[] {
  return candleArgs(server.url, extra);
}

/** Serves `days` as stored (uncompressed) zips, so each is ~150 KB whatever the rows. */
function serveStoredDays(days: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const day of days) {
    const data = Buffer.from(`${klineRows(day).join('\n')}\n`);
    const zip = makeZip([{ name: `BTCUSDT-1m-${day}.csv`, data, method: 0 }]);
    server.addFile(`${KLINES}/BTCUSDT-1m-${day}.zip`, zip);
    out.set(`BTCUSDT-1m-${day}.zip`, zip);
  }
  return out;
}

/** Runs `node bin/run.js argv` with a shell command around it; resolves with its output. */
function spawnShell(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', TICKPIPE_NOW: NOW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** True when this machine lets a test mount a tmpfs in a private mount namespace. */
function canMountTmpfs(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tickpipe-tmpfs-probe-'));
  try {
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k none "$0"', dir]);
    return r.status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tmpfs = canMountTmpfs();

describe('fetch: a full disk', () => {
  it.skipIf(!tmpfs)(
    'a cache on a full tmpfs: exit 1 naming the device error; every file kept under its real name is whole',
    async () => {
      const days = ['2020-01-05', '2020-01-06', '2020-01-07'];
      const zips = serveStoredDays(days);
      const size = zips.values().next().value!.length;
      const cache = join(cacheRoot, 'cache');
      const listing = join(cacheRoot, 'listing.txt');
      mkdirSync(cache);
      // Room for one file and a half: the second download runs out of space part-way.
      const kib = Math.ceil((size * 1.5) / 4096) * 4;
      const script = join(cacheRoot, 'run.sh');
      writeFileSync(
        script,
        `mount -t tmpfs -o size=${kib}k none "$1" || exit 99
node="$2"; shift 2
"$node" "$@" 2>"${listing}.err" >"${listing}.out"; rc=$?
(cd "${cache}" && find . -type f | sort | while read -r f; do echo "$f $(sha256sum < "$f" | cut -d' ' -f1) $(wc -c < "$f")"; done) > "${listing}"
cat "${listing}.err" >&2; cat "${listing}.out"; exit $rc
`,
      );
      const argv = fetchArgs([
        '--from',
        days[0]!,
        '--to',
        '2020-01-08',
        '--source',
        'archive',
        '--cache',
        cache,
      ]);
      const r = await spawnShell('exec unshare -rm sh "$@"', [script, cache, process.execPath, BIN, ...argv]);
      expect(r.stderr).toMatch(/no space left on device/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toMatch(/internal error/);
      const files = readFileSync(listing, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      const zipsKept = files.filter(([f]) => f!.endsWith('.zip'));
      expect(zipsKept.length).toBeLessThan(3);
      for (const [f, hash, bytes] of zipsKept) {
        const served = zips.get(f!.split('/').pop()!)!;
        expect({ f, hash, bytes: Number(bytes) }).toEqual({ f, hash: sha(served), bytes: served.length });
      }
      // What was delivered is whole days only, and none of it from a file that is not whole.
      const candles = parseLines(r.stdout);
      expect(candles.length % 1440).toBe(0);
      expect(candles.length).toBeLessThan(3 * 1440);
      expect(r.stderr).not.toMatch(/checksum matched/);
    },
    60_000,
  );

  it('a part file that cannot be written (/dev/full): the day fails with the device error, nothing committed', async () => {
    const day = '2020-01-05';
    serveStoredDays([day]);
    const part = join(cacheRoot, 'binance', 'data', 'spot', 'daily', 'klines', 'BTCUSDT', '1m');
    mkdirSync(part, { recursive: true });
    symlinkSync('/dev/full', join(part, `BTCUSDT-1m-${day}.zip.part`));
    const r = await runInProcess(
      fetchArgs(['--from', day, '--to', '2020-01-06', '--source', 'archive', '--cache', cacheRoot]),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`BTCUSDT daily ${day}: .*BTCUSDT-1m-${day}\\.zip\\.part: no space left on device`),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(part, `BTCUSDT-1m-${day}.zip`))).toBe(false);
    const manifest = parseLines(readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8'));
    expect(manifest.at(-1)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no space/) });
  });

  it.each([
    ['generate', ['generate', 'candles', '--count', '20000'], ''],
    ['sanitize', ['sanitize'], 'generate'],
    ['orderbook', ['orderbook'], 'generate'],
    ['fetch FILE', ['fetch', 'ZIP', '--exchange', 'binance_spot'], ''],
  ])('%s > /dev/full: one located message, exit 1, no stack', async (_name, argv, input) => {
    const zip = join(cacheRoot, 'BTCUSDT-1m-2020-01-05.zip');
    writeFileSync(zip, zipOf('BTCUSDT-1m-2020-01-05.csv', klineRows('2020-01-05')));
    const args = argv.map((a) => (a === 'ZIP' ? zip : a));
    let stdin: Buffer | undefined;
    if (input === 'generate') {
      const g = spawnSync(process.execPath, [BIN, 'generate', 'candles', '--count', '5000'], {
        cwd: ROOT,
        maxBuffer: 64 * 2 ** 20,
      });
      stdin = g.stdout;
    }
    const full = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      input: stdin,
      stdio: ['pipe', full, 'pipe'],
    });
    expect(r.status).toBe(1);
    const cmd = args[0];
    expect(r.stderr.toString()).toBe(`tickpipe ${cmd}: error: stdout: no space left on device\n`);
  });
});

describe('fetch: the cache heals and says what it could not check', () => {
  const DAY = '2020-01-05';
  const PATH = `${KLINES}/BTCUSDT-1m-${DAY}.zip`;
  const one = (extra: string[] = []) =>
    fetchArgs(['--from', DAY, '--to', '2020-01-06', '--source', 'archive', '--cache', cacheRoot, ...extra]);
  const cached = (): string => join(cacheRoot, 'binance', ...PATH.split('/').filter(Boolean));

  it('the manifest records the SHA-256 of the file on disk', async () => {
    const good = zipOf(`BTCUSDT-1m-${DAY}.csv`, klineRows(DAY));
    server.addFile(PATH, good);
    const r = await runInProcess(one());
    expect(r.code).toBe(0);
    const entry = parseLines(readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8')).at(-1);
    expect(entry).toMatchObject({ status: 'ok', sha256: sha(readFileSync(cached())), bytes: good.length });
    expect(sha(readFileSync(cached()))).toBe(sha(good));
  });

  it.each([[[]], [['--revalidate']]])(
    'a cached zip altered in place (same size) is downloaded again, with a warning %s',
    async (extra) => {
      const rows = klineRows(DAY);
      const good = makeZip([
        { name: `BTCUSDT-1m-${DAY}.csv`, data: Buffer.from(`${rows.join('\n')}\n`), method: 0 },
      ]);
      server.addFile(PATH, good);
      const first = await runInProcess(one());
      expect(first.code).toBe(0);
      // Damage row 700 in place: a stored zip, so the row's bytes are in the file as they are.
      const bad = readFileSync(cached());
      const at = bad.indexOf(rows[700]!);
      bad.write('9', at + 14, 'latin1');
      writeFileSync(cached(), bad);
      expect(bad.length).toBe(good.length);
      const again = await runInProcess(one(extra));
      expect(again.stderr).toMatch(/no longer matches its manifest .*downloading it again/);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      expect(readFileSync(cached()).equals(good)).toBe(true);
      expect(server.requests(PATH).filter((l) => l.path === PATH)).toHaveLength(2);
    },
  );

  it('a missing .CHECKSUM is a warning on stderr without --verbose; the data is delivered', async () => {
    server.addFile(PATH, zipOf(`BTCUSDT-1m-${DAY}.csv`, klineRows(DAY)));
    server.noChecksum.add(PATH);
    const r = await runInProcess(one());
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
    expect(r.stderr).toContain(
      `warning: ${server.url}${PATH}.CHECKSUM is not published (404): BTCUSDT-1m-${DAY}.zip is checked by its zip structure and CRC-32 only`,
    );
  });
});

describe('fetch: REST pages that are empty, short, gapped or repeated', () => {
  // Now is 2020-01-10T12:00Z: from 2020-01-09, REST owes 1440 + 720 closed 1m candles, three pages.
  const FROM = Date.parse('2020-01-09T00:00:00Z');
  const rest = (page?: KlinePage) => {
    server.rest = klinesRest(
      new Map([['BTCUSDT', [...klineRows('2020-01-09'), ...klineRows('2020-01-10')]]]),
      page,
    );
    return runInProcess(fetchArgs(['--from', '2020-01-09', '--source', 'rest']));
  };
  const opens = (stdout: string): number[] => parseLines(stdout).map((c) => Date.parse(String(c.open_time)));
  const minute = (i: number): string => new Date(FROM + i * 60_000).toISOString();

  it('undamaged pages: 2160 candles, each minute once, exit 0', async () => {
    const r = await rest();
    expect(r.code).toBe(0);
    expect(opens(r.stdout)).toEqual(Array.from({ length: 2160 }, (_, i) => FROM + i * 60_000));
  });

  it('a short page (500 rows) does not end the range: paging goes on, all 2160 delivered', async () => {
    const r = await rest((body, n) => (n === 0 ? body.slice(0, 500) : body));
    expect(r.stderr).not.toMatch(/could not be delivered/);
    expect(r.code).toBe(0);
    expect(opens(r.stdout)).toEqual(Array.from({ length: 2160 }, (_, i) => FROM + i * 60_000));
  });

  it('an empty page: what it should have held is reported missing, exit 1', async () => {
    const r = await rest((body, n) => (n === 1 ? [] : body));
    expect(r.code).toBe(1);
    expect(opens(r.stdout)).toHaveLength(1000);
    expect(r.stderr).toContain(
      `REST did not return 1160 candles (open times ${minute(1000)}..${new Date(Date.parse('2020-01-10T12:00:00Z')).toISOString()})`,
    );
  });

  it('a page missing one row: that minute is reported missing, the rest delivered, exit 1', async () => {
    const r = await rest((body, n) => (n === 0 ? body.filter((_, i) => i !== 441) : body));
    expect(r.code).toBe(1);
    const got = opens(r.stdout);
    expect(got).toHaveLength(2159);
    expect(got).not.toContain(FROM + 441 * 60_000);
    expect(r.stderr).toContain(`REST did not return 1 candle (open times ${minute(441)}..${minute(442)})`);
    expect(r.stderr).toMatch(/1 part of the range could not be delivered/);
  });

  it('a repeated row is dropped and said; no duplicate candles, exit 0', async () => {
    const r = await rest((body, n) =>
      n === 0 ? [...body.slice(0, 11), body[10]!, ...body.slice(11)] : body,
    );
    expect(r.code).toBe(0);
    const got = opens(r.stdout);
    expect(got).toHaveLength(2160);
    expect(new Set(got).size).toBe(2160);
    expect(r.stderr).toContain(
      `warning: BTCUSDT: 1 repeated candle from REST dropped (first: open time ${minute(10)})`,
    );
  });
});

describe('fetch --file: SIGINT and SIGTERM exit 130 and 143 after flushing', () => {
  const rows = (): string[] => {
    const out: string[] = [];
    for (let d = 1; d <= 20; d++) out.push(...klineRows(`2020-01-${String(d).padStart(2, '0')}`));
    return out;
  };

  it.each([
    ['SIGINT', 'a zip', 130],
    ['SIGTERM', 'a zip', 143],
    ['SIGTERM', 'a CSV', 143],
    ['SIGINT', 'a gzip CSV', 130],
  ] as const)('%s during %s: exit %i, whole lines out, no AbortError', async (signal, what, code) => {
    const text = `${rows().join('\n')}\n`;
    const name = 'BTCUSDT-1m-2020-01.csv';
    const path =
      what === 'a zip'
        ? join(cacheRoot, 'BTCUSDT-1m-2020-01.zip')
        : what === 'a CSV'
          ? join(cacheRoot, name)
          : join(cacheRoot, `${name}.gz`);
    const { gzipSync } = await import('node:zlib');
    writeFileSync(
      path,
      what === 'a zip' ? zipOf(name, rows()) : what === 'a CSV' ? text : gzipSync(Buffer.from(text)),
    );
    const child = spawn(
      process.execPath,
      [BIN, 'fetch', path, '--exchange', 'binance_spot', '--interval', '1m'],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // Ready when output has begun; then stop reading, so the command is held mid-file by
    // backpressure when the signal comes.
    await new Promise<void>((resolve) =>
      child.stdout.once('data', (d: Buffer) => {
        out.push(d);
        child.stdout.pause();
        resolve();
      }),
    );
    child.kill(signal);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stdout.resume();
    const exit = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const stderr = Buffer.concat(err).toString();
    expect(stderr).not.toMatch(/AbortError|internal error|\n\s+at /);
    expect(exit).toBe(code);
    const lines = Buffer.concat(out).toString();
    expect(lines.endsWith('\n')).toBe(true);
    const candles = parseLines(lines);
    expect(candles.length).toBeGreaterThan(0);
    expect(candles.length).toBeLessThan(20 * 1440);
    // In order and without a hole up to where it stopped.
    const first = Date.parse('2020-01-01T00:00:00Z');
    candles.forEach((c, i) => {
      if (Date.parse(String(c.open_time)) !== first + i * 60_000) throw new Error(`candle ${i} out of place`);
    });
  });
});

describe('fetch: a slow drip meets the whole-request deadline, not only the idle timeout', () => {
  const DAY = '2020-01-05';
  const PATH = `${KLINES}/BTCUSDT-1m-${DAY}.zip`;
  const one = (extra: string[]) =>
    fetchArgs(['--from', DAY, '--to', '2020-01-06', '--source', 'archive', '--timeout', '400ms', ...extra]);

  // The idle timeout is 10 drips long, so a loaded machine's pauses do not look like a silent server.
  it('16 bytes every 40 ms never idles 400 ms, and is cut at 20 × --timeout = 8 s: exit 1', async () => {
    server.addFile(PATH, zipOf(`BTCUSDT-1m-${DAY}.csv`, klineRows(DAY)));
    server.fault(PATH, { type: 'drip', bytes: 16, everyMs: 40 });
    const r = await runInProcess(one(['--retries', '0']));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `BTCUSDT daily ${DAY}: failed after 1 attempts: not finished within 8 s (the deadline)`,
    );
  });

  it('after the deadline the retry resumes from the bytes it has (Range) and completes', async () => {
    const good = zipOf(`BTCUSDT-1m-${DAY}.csv`, klineRows(DAY));
    server.addFile(PATH, good);
    server.fault(PATH, { type: 'drip', bytes: 16, everyMs: 40 });
    const r = await runInProcess(one(['--cache', cacheRoot, '--no-quiet']));
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
    const zips = server.requests(PATH).filter((l) => l.path === PATH);
    expect(zips).toHaveLength(2);
    expect(zips[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(r.stderr).toMatch(/1 retried/);
  });
});

describe('fetch: kill -9 mid-write, then the same command again', () => {
  it('the rerun takes over the dead lock, resumes the part file and delivers the day whole', async () => {
    const DAY = '2020-01-05';
    const PATH = `${KLINES}/BTCUSDT-1m-${DAY}.zip`;
    const good = zipOf(`BTCUSDT-1m-${DAY}.csv`, klineRows(DAY));
    server.addFile(PATH, good);
    server.fault(PATH, { type: 'drip', bytes: 256, everyMs: 20 });
    const argv = fetchArgs([
      '--from',
      DAY,
      '--to',
      '2020-01-06',
      '--source',
      'archive',
      '--cache',
      cacheRoot,
    ]);
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: ROOT,
      env: { ...process.env, TICKPIPE_NOW: NOW },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const part = join(cacheRoot, 'binance', ...PATH.split('/').filter(Boolean));
    const size = (p: string): number => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    for (let waited = 0; size(`${part}.part`) < 1024 && waited < 30_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const kept = size(`${part}.part`);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(good.length);
    expect(existsSync(part)).toBe(false);
    expect(existsSync(join(cacheRoot, '.lock'))).toBe(true);
    const r = await runInProcess([...argv, '--verbose']);
    expect(r.stderr).toMatch(/which is gone: taking it over/);
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
    expect(readFileSync(part).equals(good)).toBe(true);
    const resumed = server
      .requests(PATH)
      .filter((l) => l.path === PATH)
      .at(-1)!;
    expect(Number(/^bytes=(\d+)-$/.exec(resumed.range ?? '')?.[1])).toBeGreaterThan(0);
  });
});

describe('fetch: Bybit v5 klines are checked against the grid too', () => {
  it('an hour missing from a Bybit page is reported, the other 23 delivered, exit 1', async () => {
    const start = Date.parse('2020-01-05T00:00:00Z');
    server.rest = (url) => {
      if (url.pathname !== '/v5/market/kline') return undefined;
      const s = Number(url.searchParams.get('start'));
      const e = Number(url.searchParams.get('end'));
      const list: string[][] = [];
      for (let t = start; t < start + 86_400_000; t += 3_600_000)
        if (t >= s && t <= e && t !== start + 5 * 3_600_000)
          list.push([String(t), '100', '102', '99', '101', '5', '500']);
      return { body: { retCode: 0, retMsg: 'OK', result: { list: list.reverse() } } };
    };
    const r = await runInProcess(bybitCandleArgs(server.url));
    expect(r.code).toBe(1);
    expect(parseLines(r.stdout)).toHaveLength(23);
    expect(r.stderr).toContain(
      'REST did not return 1 candle (open times 2020-01-05T05:00:00.000Z..2020-01-05T06:00:00.000Z)',
    );
  });
});

describe('fetch: REST values are checked at the boundary, as every record is', () => {
  const start = Date.parse('2020-01-05T00:00:00Z');
  /** Bybit klines for 2020-01-05, hourly, the fourth one's open replaced by `open`. */
  const bybit = (open: string) => (url: URL) => {
    if (url.pathname !== '/v5/market/kline') return undefined;
    const s = Number(url.searchParams.get('start'));
    const e = Number(url.searchParams.get('end'));
    const list: string[][] = [];
    for (let t = start, i = 0; t < start + 86_400_000; t += 3_600_000, i++)
      if (t >= s && t <= e) list.push([String(t), i === 3 ? open : '100', '102', '99', '101', '5', '500']);
    return { body: { retCode: 0, retMsg: 'OK', result: { list: list.reverse() } } };
  };

  // Number() read these as 7196, 0, 4200, -5 and 0, written with exit 0.
  it.each([['"0x1C1C"'], ['""'], ['" 4200"'], ['-5'], ['0']])(
    'a Bybit kline open of %s is refused with its place, exit 1',
    async (json) => {
      const open = JSON.parse(json) as string | number;
      server.rest = bybit(String(open));
      const r = await runInProcess(bybitCandleArgs(server.url));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /\/v5\/market\/kline\?[^ ]* \[3\]: expected a positive number for "open", found /,
      );
      const skipped = await runInProcess(bybitCandleArgs(server.url, ['--on-error', 'skip']));
      expect(skipped.code).toBe(1);
      const candles = parseLines(skipped.stdout);
      expect(candles).toHaveLength(23);
      expect(candles.every((c) => c.open === 100)).toBe(true);
      // The refused candle is a hole REST left, reported as one: exit 1 with --allow-errors too.
      const allowed = await runInProcess(
        bybitCandleArgs(server.url, ['--on-error', 'skip', '--allow-errors']),
      );
      expect(allowed.code).toBe(1);
      expect(allowed.stderr).toContain('REST did not return 1 candle (open times 2020-01-05T03:00:00.000Z');
    },
  );

  it('an archive kline with a negative volume is refused with its line (it was written as -1.5)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tickpipe-kline-'));
    try {
      const file = join(folder, 'BTCUSDT-1m-2024-01-01.csv');
      writeFileSync(
        file,
        '1704067200000,42000.1,42010,41990,42005,2.5,1704067259999,105000.1,20,1.2,50400.3,0\n' +
          '1704067260000,42005,42020,42000,42010,-1.5,1704067319999,63000.5,12,0.7,29400.2,0\n',
      );
      const r = await runInProcess(['fetch', file, '--exchange', 'binance_spot']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file}:2: expected a non-negative number for "volume", found "-1.5"`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a Binance funding rate of "0x10" is refused, not read as 16', async () => {
    const before = process.env.TICKPIPE_NOW;
    process.env.TICKPIPE_NOW = '2026-05-03T00:00:00Z';
    try {
      server.rest = (url) =>
        url.pathname === '/fapi/v1/fundingRate'
          ? {
              body: [
                { symbol: 'BTCUSDT', fundingTime: 1777593600000, fundingRate: '0x10', markPrice: '80000.1' },
                { symbol: 'BTCUSDT', fundingTime: 1777622400000, fundingRate: '-0.00002000', markPrice: '' },
                // A time Number() would read: refused. A mark of 0 means none: the rate is kept.
                { symbol: 'BTCUSDT', fundingTime: '0x19DE2E51C00', fundingRate: '0.0001', markPrice: '1' },
                {
                  symbol: 'BTCUSDT',
                  fundingTime: 1777651200000,
                  fundingRate: '0.00003',
                  markPrice: '0.00000000',
                },
              ],
            }
          : undefined;
      const r = await runInProcess([
        'fetch',
        '--exchange',
        'binance_futures_usd',
        '--symbol',
        'BTCUSDT',
        '--kind',
        'funding',
        '--from',
        '2026-05-01',
        '--rest-url',
        server.url,
        '--on-error',
        'skip',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/fundingRate\?[^ ]* \[0\]: expected a number for "rate", found "0x10"/);
      expect(r.stderr).toContain('2 bad lines skipped');
      const out = parseLines(r.stdout);
      expect(out.map((f) => [f.rate, f.mark_price])).toEqual([
        [-0.00002, undefined],
        [0.00003, undefined],
      ]);
    } finally {
      if (before === undefined) delete process.env.TICKPIPE_NOW;
      else process.env.TICKPIPE_NOW = before;
    }
  });
});
