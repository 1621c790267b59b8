/**
 * `tickpipe fetch` against a loopback server laid out like the venues (tests/helpers/venue-server.ts):
 * the real Binance archive zips from ../shared/data with their real .CHECKSUM files, files generated
 * here, a REST emulator, and the faults a nightly job meets. No test touches the internet.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseLines, runCli, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';
import {
  bybitCandleArgs,
  candleArgs,
  klineRows,
  klinesRest,
  useVenue,
  type VenueServer,
  zipOf,
} from './helpers/venue-server.js';
import { firstZipEntry, makeZip } from './helpers/zip.js';

const DAY_MS = 86_400_000;
const NOW = '2020-01-10T12:00:00Z';
const KLINES = '/data/spot/daily/klines/BTCUSDT/1m';

interface Candle {
  type: string;
  time: string;
  open_time: string;
  open: number;
  close: number;
  symbol: string;
  volume: number;
}

let server: VenueServer;
let cacheRoot: string;
useVenue('tickpipe-fetch-test-', (s, d) => {
  server = s;
  cacheRoot = d;
});

function fetchArgs(extra: string[] = []): string[] {
  return candleArgs(server.url, extra);
}

function serveSyntheticDays(days: readonly string[]): Map<string, string[]> {
  const all: string[] = [];
  for (const day of days) {
    const rows = klineRows(day);
    all.push(...rows);
    server.addFile(`${KLINES}/BTCUSDT-1m-${day}.zip`, zipOf(`BTCUSDT-1m-${day}.csv`, rows));
  }
  return new Map([['BTCUSDT', all]]);
}

describeShared('fetch: the real Binance archive files through a loopback archive', () => {
  beforeEach(() => {
    for (const day of ['2020-01-01', '2020-01-02', '2020-01-03']) {
      const name = `BTCUSDT-1m-${day}.zip`;
      server.addFile(`${KLINES}/${name}`, readFileSync(sharedFile('binance_datatool', name)));
      // The real sidecar, byte for byte.
      server.checksums.set(
        `${KLINES}/${name}`,
        readFileSync(sharedFile('binance_datatool', `${name}.CHECKSUM`), 'utf8'),
      );
    }
  });

  it('the three 2020-01-01..03 spot 1m zips come out as exactly 4320 contiguous candles', async () => {
    const r = await runInProcess(
      fetchArgs(['--from', '2020-01-01', '--to', '2020-01-04', '--source', 'archive', '--no-quiet']),
    );
    expect(r.stderr).toMatch(/3 files \(3 downloaded, 0 from the cache\)/);
    expect(r.code).toBe(0);
    const candles = parseLines(r.stdout) as unknown as Candle[];
    expect(candles).toHaveLength(4320);
    expect(candles[0]!.open_time).toBe('2020-01-01T00:00:00.000Z');
    expect(candles[0]!.time).toBe('2020-01-01T00:01:00.000Z');
    expect(candles.at(-1)!.open_time).toBe('2020-01-03T23:59:00.000Z');
    for (let i = 1; i < candles.length; i++)
      expect(Date.parse(candles[i]!.open_time) - Date.parse(candles[i - 1]!.open_time)).toBe(60_000);
    // Cross-check one row against the CSV text itself.
    const firstRow = firstZipEntry(sharedFile('binance_datatool', 'BTCUSDT-1m-2020-01-01.zip'))
      .split('\n')[0]!
      .split(',');
    expect(candles[0]!.open).toBe(Number(firstRow[1]));
    expect(candles[0]!.close).toBe(Number(firstRow[4]));
    expect(candles[0]!.volume).toBe(Number(firstRow[5]));
  });

  it('a range inside a day is cut by open time, half-open', async () => {
    const r = await runInProcess(
      fetchArgs(['--from', '2020-01-02T10:00:00Z', '--to', '2020-01-02T10:05:00Z', '--source', 'archive']),
    );
    expect(r.code).toBe(0);
    const candles = parseLines(r.stdout) as unknown as Candle[];
    expect(candles.map((c) => c.open_time.slice(11, 16))).toEqual([
      '10:00',
      '10:01',
      '10:02',
      '10:03',
      '10:04',
    ]);
  });

  it('--cache: the manifest records each file; a second identical run downloads nothing and writes the same bytes', async () => {
    const args = fetchArgs([
      '--from',
      '2020-01-01',
      '--to',
      '2020-01-04',
      '--cache',
      cacheRoot,
      '--no-quiet',
    ]);
    const first = await runInProcess(args);
    expect(first.code).toBe(0);
    const requestsAfterFirst = server.log.length;
    expect(requestsAfterFirst).toBe(6); // three zips, three checksums
    const manifest = readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8');
    const entries = parseLines(manifest) as unknown as Record<string, unknown>[];
    const last = new Map(entries.map((e) => [e.file, e]));
    expect(last.size).toBe(3);
    const day1 = last.get(`binance${KLINES}/BTCUSDT-1m-2020-01-01.zip`)!;
    expect(day1).toMatchObject({
      status: 'ok',
      checksum: 'matched',
      sha256: 'dd579c62368ded93d3f01a1904575b932279e32936e181c062763e605793c1c2',
      bytes: 69497,
      rows: 1440,
      first_time: '2020-01-01T00:00:00.000000Z',
      last_time: '2020-01-01T23:59:00.000000Z',
      url: `${server.url}${KLINES}/BTCUSDT-1m-2020-01-01.zip`,
    });
    const second = await runInProcess(args);
    expect(second.code).toBe(0);
    expect(server.log.length).toBe(requestsAfterFirst);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(/3 files \(0 downloaded, 3 from the cache\), 0 requests/);
    // No temporary or lock files are left behind.
    const leftovers = readdirSync(cacheRoot, { recursive: true }).map(String);
    expect(leftovers.filter((f) => f.endsWith('.part') || f.endsWith('.lock'))).toEqual([]);
  });

  it('a nightly run downloads only what is new', async () => {
    await runInProcess(fetchArgs(['--from', '2020-01-01', '--to', '2020-01-03', '--cache', cacheRoot]));
    const before = server.requests(KLINES).length;
    const r = await runInProcess(
      fetchArgs(['--from', '2020-01-01', '--to', '2020-01-04', '--cache', cacheRoot]),
    );
    expect(r.code).toBe(0);
    const fresh = server
      .requests(KLINES)
      .slice(before)
      .map((l) => l.path);
    expect(fresh).toEqual([
      `${KLINES}/BTCUSDT-1m-2020-01-03.zip`,
      `${KLINES}/BTCUSDT-1m-2020-01-03.zip.CHECKSUM`,
    ]);
    expect(parseLines(r.stdout)).toHaveLength(4320);
  });
});

describeShared('fetch: microsecond-era spot files', () => {
  it('times keep their microseconds and are correct', async () => {
    const dir = '/data/spot/daily/klines/BTCUSDT/1h';
    for (const day of ['2026-05-08', '2026-05-09']) {
      const name = `BTCUSDT-1h-${day}.zip`;
      server.addFile(`${dir}/${name}`, readFileSync(sharedFile('binance_datatool_tommy-ca', name)));
      server.checksums.set(
        `${dir}/${name}`,
        readFileSync(sharedFile('binance_datatool_tommy-ca', `${name}.CHECKSUM`), 'utf8'),
      );
    }
    process.env.TICKPIPE_NOW = '2026-05-12T00:00:00Z';
    try {
      const r = await runInProcess([
        ...fetchArgs(['--from', '2026-05-08', '--to', '2026-05-10', '--source', 'archive']).map((a) =>
          a === '1m' ? '1h' : a,
        ),
      ]);
      expect(r.code).toBe(0);
      const candles = parseLines(r.stdout) as unknown as Candle[];
      expect(candles).toHaveLength(48);
      expect(candles[0]!.open_time).toBe('2026-05-08T00:00:00.000000Z');
      expect(candles[0]!.time).toBe('2026-05-08T01:00:00.000000Z');
      expect(candles[24]!.open_time).toBe('2026-05-09T00:00:00.000000Z');
      expect(candles.at(-1)!.time).toBe('2026-05-10T00:00:00.000000Z');
    } finally {
      process.env.TICKPIPE_NOW = NOW;
    }
  });
});

describe('fetch: archive and REST together', () => {
  it('--source auto: whole past days from the archive, the rest from REST, no overlap and no hole', async () => {
    // The archive has the 8th; the 9th is not published yet (404); the 10th is today.
    const rows = serveSyntheticDays(['2020-01-08']);
    rows.get('BTCUSDT')!.push(...klineRows('2020-01-09'), ...klineRows('2020-01-10'));
    server.rest = klinesRest(rows);
    const r = await runInProcess(fetchArgs(['--from', '2020-01-08', '--verbose']));
    expect(r.code).toBe(0);
    const candles = parseLines(r.stdout) as unknown as Candle[];
    // Up to now (12:00 on the 10th): 1440 + 1440 + 720 closed candles.
    expect(candles).toHaveLength(1440 * 2 + 720);
    for (let i = 1; i < candles.length; i++)
      expect(Date.parse(candles[i]!.open_time) - Date.parse(candles[i - 1]!.open_time)).toBe(60_000);
    expect(candles.at(-1)!.time).toBe('2020-01-10T12:00:00.000Z');
    expect(r.stderr).toMatch(/no archive file .*BTCUSDT-1m-2020-01-09\.zip; using REST/);
    // REST pages are at most 1000 candles: 1440 + 720 candles take 3 pages.
    expect(server.requests('/api/v3/klines').length).toBe(3);
  });

  it('REST and the archive give the same records for the same day', async () => {
    const rows = serveSyntheticDays(['2020-01-05']);
    server.rest = klinesRest(rows);
    const archive = await runInProcess(
      fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06', '--source', 'archive']),
    );
    const rest = await runInProcess(
      fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06', '--source', 'rest']),
    );
    expect(archive.code).toBe(0);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toBe(archive.stdout);
    expect(parseLines(rest.stdout)).toHaveLength(1440);
  });

  it('whole past months come from the monthly file; a month not yet published falls back to daily files', async () => {
    const monthRows = [
      ...Array.from({ length: 31 }, (_, d) => klineRows(`2019-12-${String(d + 1).padStart(2, '0')}`)),
    ].flat();
    server.addFile(
      '/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2019-12.zip',
      zipOf('BTCUSDT-1m-2019-12.csv', monthRows),
    );
    const r = await runInProcess(
      fetchArgs(['--from', '2019-12-01', '--to', '2020-01-01', '--source', 'archive']),
    );
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(31 * 1440);
    expect(server.requests('/data/spot/daily').length).toBe(0);
    // November: no monthly file, two daily ones.
    server.addFile(`${KLINES}/BTCUSDT-1m-2019-11-29.zip`, zipOf('a.csv', klineRows('2019-11-29')));
    server.addFile(`${KLINES}/BTCUSDT-1m-2019-11-30.zip`, zipOf('b.csv', klineRows('2019-11-30')));
    const nov = await runInProcess(
      fetchArgs(['--from', '2019-11-01', '--to', '2019-12-01', '--source', 'archive']),
    );
    expect(nov.code).toBe(1);
    expect(parseLines(nov.stdout)).toHaveLength(2 * 1440);
    expect(nov.stderr).toMatch(/28 parts of the range could not be delivered/);
    expect(nov.stderr).toMatch(/BTCUSDT daily 2019-11-01: not in the archive \(404\)/);
  });

  it('--revalidate: a file the venue republished (a changed checksum) is downloaded again', async () => {
    const path = `${KLINES}/BTCUSDT-1m-2020-01-05.zip`;
    server.addFile(path, zipOf('a.csv', klineRows('2020-01-05')));
    const args = fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06', '--cache', cacheRoot]);
    const first = await runInProcess(args);
    expect(first.code).toBe(0);
    const replacement = zipOf('a.csv', klineRows('2020-01-05', 200));
    server.addFile(path, replacement);
    const trusting = await runInProcess(args);
    expect(trusting.stdout).toBe(first.stdout);
    const checked = await runInProcess([...args, '--revalidate', '--verbose']);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toMatch(/republished: .*BTCUSDT-1m-2020-01-05\.zip/);
    expect((parseLines(checked.stdout)[0] as unknown as Candle).open).toBe(200);
    const entry = parseLines(readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8')).at(-1)!;
    expect(entry.sha256).toBe(createHash('sha256').update(replacement).digest('hex'));
    expect(entry.replaced).toMatch(/^[0-9a-f]{64}$/);
    // Unchanged files cost one checksum request each and no download.
    const before = server.log.length;
    const again = await runInProcess([...args, '--revalidate']);
    expect(again.stdout).toBe(checked.stdout);
    expect(server.log.slice(before).map((l) => l.path)).toEqual([`${path}.CHECKSUM`]);
  });

  it('monthly candles (1M) are read from the archive\'s "1mo" folder and file name', async () => {
    const open = Date.parse('2019-12-01T00:00:00Z');
    const close = Date.parse('2020-01-01T00:00:00Z') - 1;
    server.addFile(
      '/data/spot/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2019-12.zip',
      zipOf('BTCUSDT-1mo-2019-12.csv', [
        `${open},7540.63,7750.00,6435.00,7195.23,1.5,${close},10.5,1000,0.7,5.0,0`,
      ]),
    );
    const r = await runInProcess(
      fetchArgs(['--from', '2019-12-01', '--to', '2020-01-01', '--source', 'archive']).map((a) =>
        a === '1m' ? '1M' : a,
      ),
    );
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toEqual([
      expect.objectContaining({
        interval: '1M',
        open_time: '2019-12-01T00:00:00.000Z',
        time: '2020-01-01T00:00:00.000Z',
        open: 7540.63,
        high: 7750,
      }),
    ]);
  });

  it('several symbols are merged in time order', async () => {
    const eth = klineRows('2020-01-05', 10);
    server.addFile(`${KLINES}/BTCUSDT-1m-2020-01-05.zip`, zipOf('x.csv', klineRows('2020-01-05')));
    server.addFile('/data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2020-01-05.zip', zipOf('y.csv', eth));
    const args = fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06']).map((a) =>
      a === 'BTCUSDT' ? 'BTCUSDT,ETHUSDT' : a,
    );
    const r = await runInProcess(args);
    expect(r.code).toBe(0);
    const candles = parseLines(r.stdout) as unknown as Candle[];
    expect(candles).toHaveLength(2880);
    expect(candles.slice(0, 4).map((c) => c.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSDT', 'ETHUSDT']);
    for (let i = 1; i < candles.length; i++)
      expect(candles[i]!.open_time >= candles[i - 1]!.open_time).toBe(true);
  });
});

describe('fetch: faults', () => {
  const DAY = '2020-01-05';
  const PATH = `${KLINES}/BTCUSDT-1m-${DAY}.zip`;
  const one = (extra: string[] = []) =>
    fetchArgs(['--from', DAY, '--to', '2020-01-06', '--source', 'archive', ...extra]);

  it('a checksum mismatch is retried, then an error; the bad file is never kept', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good);
    server.checksums.set(PATH, `${'0'.repeat(64)}  BTCUSDT-1m-${DAY}.zip\n`);
    const r = await runInProcess(one(['--cache', cacheRoot]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(server.requests(PATH).filter((l) => !l.path.endsWith('.CHECKSUM'))).toHaveLength(2);
    expect(r.stderr).toMatch(
      /checksum mismatch: the file's SHA-256 is [0-9a-f]{64}, .*\.CHECKSUM says 0{64}/,
    );
    const files = readdirSync(cacheRoot, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.zip') || f.endsWith('.part'))).toEqual([]);
    const manifest = parseLines(readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8'));
    expect(manifest.at(-1)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/checksum mismatch/),
    });
  });

  it('a file replaced mid-download (checksum mismatch once) is downloaded again and then accepted', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good);
    const bad = Buffer.from(good);
    bad[bad.length - 30] = (bad[bad.length - 30] ?? 0) ^ 0xff;
    server.fault(PATH, { type: 'bytes', body: bad });
    const r = await runInProcess(one());
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
  });

  it('an HTML error page served with status 200 is refused', async () => {
    server.addFile(PATH, zipOf('a.csv', klineRows(DAY)));
    server.fault(PATH, { type: 'html' });
    const r = await runInProcess(one());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expected a zip file: found an HTML page with status 200/);
  });

  it('a 404 for a day that does not exist yet: exit 1 naming the day and the URL', async () => {
    const r = await runInProcess(one());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BTCUSDT daily ${DAY}: not in the archive (404) (${server.url}${PATH})`);
  });

  it('a truncated zip with no published checksum is an error and is not kept', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good.subarray(0, good.length - 40));
    server.noChecksum.add(PATH);
    const r = await runInProcess(one(['--cache', cacheRoot]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a valid zip file/);
    const files = readdirSync(cacheRoot, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.zip'))).toEqual([]);
  });

  it('a zip entry that expands beyond what it declares (a zip bomb) is refused', async () => {
    const data = Buffer.from(`${klineRows(DAY).join('\n')}\n`);
    server.addFile(PATH, makeZip([{ name: 'a.csv', data, declaredSize: 1000 }]));
    const r = await runInProcess(one());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/entry expands beyond its declared 1000 bytes/);
  });

  it('429 with Retry-After stops every request for that long, then goes on', async () => {
    const rows = serveSyntheticDays([]);
    rows.set('BTCUSDT', klineRows(DAY));
    server.rest = klinesRest(rows);
    server.fault('/api/v3/klines', { type: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const r = await runInProcess(
      fetchArgs(['--from', DAY, '--to', '2020-01-06', '--source', 'rest', '--no-quiet']),
    );
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
    const calls = server.requests('/api/v3/klines');
    expect(calls.length).toBe(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(r.stderr).toMatch(/1 rate-limit pauses/);
  });

  it('418 (banned) waits Retry-After too; a Retry-After beyond the bound fails', async () => {
    server.addFile(PATH, zipOf('a.csv', klineRows(DAY)));
    server.fault(PATH, { type: 'status', status: 418, headers: { 'retry-after': '100000' } });
    const r = await runInProcess(one());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/status 418: asked to wait 100000 s/);
  });

  it('5xx is retried with backoff', async () => {
    server.addFile(PATH, zipOf('a.csv', klineRows(DAY)));
    server.fault(PATH, { type: 'status', status: 503 }, { type: 'status', status: 502 });
    const r = await runInProcess(one(['--no-quiet']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2 retried/);
  });

  it('a connection reset mid-body is retried and the download resumes with a Range request', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good);
    server.fault(PATH, { type: 'reset', after: 4000 });
    const r = await runInProcess(one(['--cache', cacheRoot]));
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
    const gets = server.requests(PATH).filter((l) => !l.path.endsWith('.CHECKSUM'));
    expect(gets.map((g) => g.range)).toEqual([undefined, 'bytes=4000-']);
    const sha = createHash('sha256').update(good).digest('hex');
    expect(parseLines(readFileSync(join(cacheRoot, 'manifest.ndjson'), 'utf8')).at(-1)).toMatchObject({
      sha256: sha,
    });
  });

  it('an interrupted run resumes its partial file', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good);
    const part = join(cacheRoot, 'binance', ...PATH.split('/').filter(Boolean));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(part, '..'), { recursive: true });
    writeFileSync(`${part}.part`, good.subarray(0, 1000));
    const r = await runInProcess(one(['--cache', cacheRoot]));
    expect(r.code).toBe(0);
    expect(server.requests(PATH)[0]!.range).toBe('bytes=1000-');
    expect(readFileSync(part).equals(good)).toBe(true);
    expect(existsSync(`${part}.part`)).toBe(false);
  });

  it('--progress shows records, files and bytes downloaded on stderr; stdout is unaffected', async () => {
    server.addFile(PATH, zipOf('a.csv', klineRows(DAY)));
    server.fault(PATH, { type: 'slow', ms: 700 });
    const r = await runInProcess(one(['--progress']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[Kfetch: [\d,]+ records, [\d,]+\/s, \d+ files?, [\d.]+ MiB downloaded/);
    expect(parseLines(r.stdout)).toHaveLength(1440);
  });

  it('a slow response times out and is retried', async () => {
    server.addFile(PATH, zipOf('a.csv', klineRows(DAY)));
    server.fault(PATH, { type: 'slow', ms: 1500 });
    const r = await runInProcess(one(['--timeout', '300ms', '--no-quiet']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 retried/);
  });

  it('malformed CSV rows: a located error, or skipped with --on-error skip', async () => {
    const rows = klineRows(DAY);
    rows[4] = rows[4]!.replace(/,[\d.]+,/, ',abc,');
    server.addFile(PATH, zipOf(`BTCUSDT-1m-${DAY}.csv`, rows));
    const r = await runInProcess(one());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `BTCUSDT-1m-${DAY}.zip/BTCUSDT-1m-${DAY}.csv:5: expected a number for "open", found "abc"`,
    );
    const skipped = await runInProcess(one(['--on-error', 'skip']));
    expect(skipped.code).toBe(1);
    expect(parseLines(skipped.stdout)).toHaveLength(1439);
    expect(skipped.stderr).toMatch(/1 bad line skipped/);
  });

  it('a symbol with path characters is refused before any request', async () => {
    const r = await runInProcess(fetchArgs(['--from', DAY]).map((a) => (a === 'BTCUSDT' ? '../x' : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid symbol "\.\.\/x"/);
    expect(server.log).toHaveLength(0);
  });

  it.each([
    [['--exchange', 'kraken'], /unknown exchange "kraken"/],
    [['--from', '2020-01-06', '--to', '2020-01-05'], /--from 2020-01-06 is not before --to 2020-01-05/],
    [['--interval', '7m'], /binance_spot has no 7m candles/],
    [['--kind', 'funding'], /binance_spot has no funding/],
  ])('usage errors exit 2: %s', async (extra, message) => {
    const args = fetchArgs(['--from', '2020-01-05']);
    for (let i = 0; i < extra.length; i += 2) {
      const at = args.indexOf(extra[i]!);
      if (at >= 0) args.splice(at, 2);
      args.push(extra[i]!, extra[i + 1]!);
    }
    const r = await runInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(server.log).toHaveLength(0);
  });

  it('two runs on one cache at once: the second waits for the lock; both deliver everything', async () => {
    serveSyntheticDays(['2020-01-05', '2020-01-06', '2020-01-07']);
    const args = fetchArgs(['--from', '2020-01-05', '--to', '2020-01-08', '--cache', cacheRoot]);
    const [a, b] = await Promise.all([
      runCli(args, undefined, { TICKPIPE_NOW: NOW }),
      runCli(args, undefined, { TICKPIPE_NOW: NOW }),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(parseLines(a.stdout)).toHaveLength(3 * 1440);
    // Each file was downloaded once.
    expect(server.requests(KLINES).filter((l) => l.path.endsWith('.zip'))).toHaveLength(3);
  });

  it('SIGINT mid-download: exit 130, the lock released, nothing half-written under a real name', async () => {
    const good = zipOf('a.csv', klineRows(DAY));
    server.addFile(PATH, good);
    server.fault(PATH, { type: 'reset', after: 0 }, { type: 'slow', ms: 10_000 });
    const { spawn } = await import('node:child_process');
    const { BIN, ROOT } = await import('./helpers/cli.js');
    const child = spawn(process.execPath, [BIN, ...one(['--cache', cacheRoot])], {
      cwd: ROOT,
      env: { ...process.env, TICKPIPE_NOW: NOW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Interrupt once the retried download is in flight (the slow one): on a loaded machine a fixed
    // wait could land before the command has installed its signal handlers.
    const inFlight = () => server.log.filter((l) => l.path === PATH).length >= 2;
    for (let waited = 0; !inFlight() && waited < 30_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    const files = readdirSync(cacheRoot, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.zip') || f === '.lock')).toEqual([]);
    // The next run completes it.
    const r = await runInProcess(one(['--cache', cacheRoot]));
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1440);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    serveSyntheticDays([DAY]);
    writeFileSync(
      join(cacheRoot, '.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), started: 'x' }),
    );
    const r = await runInProcess(one(['--cache', cacheRoot, '--verbose']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/which is gone: taking it over/);
  });
});

describe('fetch: other kinds and venues', () => {
  it('agg_trades: the archive day and REST pages (fromId) agree and join without a hole', async () => {
    const start = Date.parse('2020-01-05T00:00:00Z');
    const trades: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = start + Math.floor((i * DAY_MS * 2) / 3000);
      trades.push(
        `${1000 + i},${(100 + (i % 50) / 100).toFixed(8)},0.01000000,${5000 + 2 * i},${5001 + 2 * i},${t},${i % 3 === 0 ? 'True' : 'False'},True`,
      );
    }
    const day1 = trades.filter((r) => Number(r.split(',')[5]) < start + DAY_MS);
    server.addFile(
      '/data/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2020-01-05.zip',
      zipOf('a.csv', day1),
    );
    server.rest = (url) => {
      if (!url.pathname.endsWith('/aggTrades')) return undefined;
      const p = url.searchParams;
      let rows = trades.map((r) => r.split(','));
      if (p.has('fromId')) rows = rows.filter((f) => Number(f[0]) >= Number(p.get('fromId')));
      else {
        expect(Number(p.get('endTime')) - Number(p.get('startTime'))).toBeLessThan(3_600_000);
        rows = rows.filter(
          (f) => Number(f[5]) >= Number(p.get('startTime')) && Number(f[5]) <= Number(p.get('endTime')),
        );
      }
      const body = rows.slice(0, Number(p.get('limit'))).map((f) => ({
        a: Number(f[0]),
        p: f[1],
        q: f[2],
        f: Number(f[3]),
        l: Number(f[4]),
        T: Number(f[5]),
        m: f[6] === 'True',
        M: true,
      }));
      return { body };
    };
    process.env.TICKPIPE_NOW = '2020-01-07T00:00:00Z';
    try {
      const r = await runInProcess(
        fetchArgs(['--from', '2020-01-05', '--to', '2020-01-07']).map((a) =>
          a === 'candles' ? 'agg_trades' : a,
        ),
      );
      expect(r.code).toBe(0);
      const out = parseLines(r.stdout) as unknown as { id: number; side: string; first_id: number }[];
      expect(out.map((t) => t.id)).toEqual(trades.map((_, i) => 1000 + i));
      expect(out[0]).toMatchObject({ type: 'trade', side: 'sell', first_id: 5000, price: 100, amount: 0.01 });
      expect(out[1]!.side).toBe('buy');
    } finally {
      process.env.TICKPIPE_NOW = NOW;
    }
  });

  it('funding: monthly archive files only, the current month from REST', async () => {
    process.env.TICKPIPE_NOW = '2026-05-03T00:00:00Z';
    try {
      const path = '/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-04.zip';
      const rows = [
        'calc_time,funding_interval_hours,last_funding_rate',
        '1775001600000,8,-0.00003449',
        '1775030400000,8,0.0001',
      ];
      server.addFile(path, zipOf('BTCUSDT-fundingRate-2026-04.csv', rows));
      server.rest = (url) =>
        url.pathname === '/fapi/v1/fundingRate'
          ? {
              body: [
                {
                  symbol: 'BTCUSDT',
                  fundingTime: 1777593600000,
                  fundingRate: '0.00010000',
                  markPrice: '80000.1',
                },
                { symbol: 'BTCUSDT', fundingTime: 1777622400000, fundingRate: '-0.00002000', markPrice: '' },
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
        '2026-04-01',
        '--base-url',
        server.url,
        '--rest-url',
        server.url,
      ]);
      expect(r.code).toBe(0);
      const out = parseLines(r.stdout) as unknown as {
        time: string;
        rate: number;
        interval_hours?: number;
        mark_price?: number;
      }[];
      expect(out.map((f) => [f.time, f.rate])).toEqual([
        ['2026-04-01T00:00:00.000Z', -0.00003449],
        ['2026-04-01T08:00:00.000Z', 0.0001],
        ['2026-05-01T00:00:00.000Z', 0.0001],
        ['2026-05-01T08:00:00.000Z', -0.00002],
      ]);
      expect(out[0]!.interval_hours).toBe(8);
      expect(out[2]!.mark_price).toBe(80000.1);
    } finally {
      process.env.TICKPIPE_NOW = NOW;
    }
  });

  it('Bybit: the trade archive (csv.gz, seconds with a fraction) and v5 klines (newest first)', async () => {
    const csv = [
      'timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional',
      '1578182400.1234,BTCUSDT,Buy,0.5,7400.5,PlusTick,id-1,3.7e+08,0.5,3700.25',
      '1578182401.5,BTCUSDT,Sell,0.25,7400,MinusTick,id-2,1.85e+08,0.25,1850',
    ].join('\n');
    server.addFile('/trading/BTCUSDT/BTCUSDT2020-01-05.csv.gz', gzipSync(`${csv}\n`));
    const r = await runInProcess([
      'fetch',
      '--exchange',
      'bybit_perpetuals_usd',
      '--symbol',
      'BTCUSDT',
      '--kind',
      'trades',
      '--from',
      '2020-01-05',
      '--to',
      '2020-01-06',
      '--base-url',
      server.url,
      '--rest-url',
      server.url,
    ]);
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toEqual([
      {
        type: 'trade',
        time: '2020-01-05T00:00:00.123400Z',
        exchange: 'bybit_perpetuals_usd',
        symbol: 'BTCUSDT',
        id: 'id-1',
        price: 7400.5,
        amount: 0.5,
        side: 'buy',
      },
      {
        type: 'trade',
        time: '2020-01-05T00:00:01.500Z',
        exchange: 'bybit_perpetuals_usd',
        symbol: 'BTCUSDT',
        id: 'id-2',
        price: 7400,
        amount: 0.25,
        side: 'sell',
      },
    ]);

    const start = Date.parse('2020-01-05T00:00:00Z');
    server.rest = (url) => {
      if (url.pathname !== '/v5/market/kline') return undefined;
      expect(url.searchParams.get('category')).toBe('linear');
      expect(url.searchParams.get('interval')).toBe('60');
      const s = Number(url.searchParams.get('start'));
      const e = Number(url.searchParams.get('end'));
      const list: string[][] = [];
      for (let t = start; t < start + DAY_MS; t += 3_600_000)
        if (t >= s && t <= e) list.push([String(t), '100', '102', '99', '101', '5', '500']);
      return {
        body: {
          retCode: 0,
          retMsg: 'OK',
          result: { category: 'linear', symbol: 'BTCUSDT', list: list.reverse() },
        },
      };
    };
    const k = await runInProcess(bybitCandleArgs(server.url));
    expect(k.code).toBe(0);
    const candles = parseLines(k.stdout) as unknown as Candle[];
    expect(candles).toHaveLength(24);
    expect(candles[0]).toMatchObject({
      open_time: '2020-01-05T00:00:00.000Z',
      time: '2020-01-05T01:00:00.000Z',
      open: 100,
      volume: 5,
    });
    expect(candles[23]!.open_time).toBe('2020-01-05T23:00:00.000Z');
  });
});

describeShared('fetch --kind instruments: real exchangeInfo responses', () => {
  function capture(name: string): unknown {
    const text = readFileSync(sharedFile('cryptofeed', name), 'utf8').split('\n')[0]!;
    return JSON.parse(text.slice(text.indexOf(': ') + 2));
  }

  it('spot: tick size, lot size and the MIN_NOTIONAL minimum', async () => {
    const info = capture('BINANCE.0');
    server.rest = (url) => (url.pathname === '/api/v3/exchangeInfo' ? { body: info } : undefined);
    const r = await runInProcess([
      'fetch',
      '--exchange',
      'binance_spot',
      '--symbol',
      'BTCUSDT,ETHBTC',
      '--kind',
      'instruments',
      '--rest-url',
      server.url,
    ]);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout) as unknown as Record<string, unknown>[];
    const btc = out.find((i) => i.symbol === 'BTCUSDT')!;
    const raw = (info as { symbols: { symbol: string; filters: Record<string, string>[] }[] }).symbols.find(
      (s) => s.symbol === 'BTCUSDT',
    )!;
    const f = (t: string, k: string) => Number(raw.filters.find((x) => x.filterType === t)![k]);
    expect(btc).toMatchObject({
      type: 'instrument',
      time: '2021-10-12T00:28:31.098Z',
      exchange: 'binance_spot',
      base: 'BTC',
      quote: 'USDT',
      kind: 'spot',
      tick_size: f('PRICE_FILTER', 'tickSize'),
      lot_size: f('LOT_SIZE', 'stepSize'),
      min_notional: f('MIN_NOTIONAL', 'minNotional'),
    });
    expect(btc.tick_size).toBe(0.01);
    expect(out).toHaveLength(2);
    expect(server.requests('/api/v3/exchangeInfo')[0]!.url.searchParams.get('symbols')).toBe(
      '["BTCUSDT","ETHBTC"]',
    );
  });

  it('USD-M futures: the minimum notional is the MIN_NOTIONAL "notional" field', async () => {
    const info = capture('BINANCE_FUTURES.0');
    server.rest = (url) => (url.pathname === '/fapi/v1/exchangeInfo' ? { body: info } : undefined);
    const r = await runInProcess([
      'fetch',
      '--exchange',
      'binance_futures_usd',
      '--symbol',
      'BTCUSDT',
      '--kind',
      'instruments',
      '--rest-url',
      server.url,
    ]);
    expect(r.code).toBe(0);
    const [btc] = parseLines(r.stdout) as unknown as Record<string, unknown>[];
    const raw = (info as { symbols: { symbol: string; filters: Record<string, string>[] }[] }).symbols.find(
      (s) => s.symbol === 'BTCUSDT',
    )!;
    expect(btc).toMatchObject({
      kind: 'perpetual',
      min_notional: Number(raw.filters.find((x) => x.filterType === 'MIN_NOTIONAL')!.notional),
    });
    expect(btc!.min_notional).toBeGreaterThan(0);
  });
});

describe('fetch: weight budget', () => {
  it('a used weight near the limit pauses requests until the next minute', async () => {
    const { HttpClient } = await import('../src/core/fetch/http.js');
    server.rest = () => ({ body: [] });
    server.usedWeight = 1070;
    server.weightPerRequest = 10;
    let clock = 59_000; // one second before a minute boundary
    const slept: number[] = [];
    const client = new HttpClient({
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });
    await client.get(`${server.url}/api/v3/klines`, { weight: 10, weightLimit: 1200 }); // used: 1080
    expect(slept).toEqual([]);
    await client.get(`${server.url}/api/v3/klines`, { weight: 10, weightLimit: 1200 }); // 1090 > 90% of 1200
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeCloseTo(1_100, -1);
    client.close();
  });
});
