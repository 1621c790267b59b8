/**
 * Fuzz targets for fetch's readers (fast-check, fixed seeds, bounded in time): the CSV row readers
 * (the byte fast path for klines and the string path) and the zip reader. Properties:
 * - nothing but a located TickpipeError ever escapes (no TypeError, RangeError, stack);
 * - the byte path and the string path agree record for record on whatever bytes they are given;
 * - the output does not depend on where the input is cut into chunks;
 * - a zip either reads whole (CRC and size checked) or is refused as CorruptInput.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptInput, TickpipeError } from '../src/core/errors.js';
import { binanceRows, klineParser } from '../src/core/fetch/binance/csv.js';
import { parseCsv } from '../src/core/fetch/rows.js';
import { ErrorPolicy } from '../src/core/io/lines.js';
import { listZipEntries, readZipEntry } from '../src/core/io/zip.js';
import { makeZip, makeZip64 } from './helpers/zip.js';

/** Runs done per property (printed with TICKPIPE_FUZZ_REPORT=1). */
const runs: Record<string, number> = { csv: 0, zip: 0 };
afterAll(() => {
  if (process.env.TICKPIPE_FUZZ_REPORT === '1') console.log(`fuzz runs: ${JSON.stringify(runs)}`);
});

/** Each property runs until this many runs or this long, whichever comes first. */
const BUDGET = { numRuns: 5_000, interruptAfterTimeLimit: 9_000, markInterruptAsFailure: false } as const;

const START = Date.parse('2020-01-01T00:00:00Z');
const ROWS = Array.from({ length: 40 }, (_, i) => {
  const o = START + i * 60_000;
  return `${o},${(7000 + i * 1.25).toFixed(8)},7010.5,6990.25,${(7000.5 + i).toFixed(2)},1.5,${o + 59_999},150.75,${i},0.75,75.125,0`;
});
const CSV = Buffer.from(`${ROWS.join('\n')}\n`);
const LABELS = { exchange: 'binance_spot', symbol: 'BTCUSDT', interval: '1m', inverse: false };

/** Mutations a damaged or hostile file shows: bytes replaced, inserted, removed, a cut end. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ',',
      '\n',
      '\r\n',
      '.',
      '-',
      'e',
      'E+12',
      '0x',
      '\uFEFF',
      '"',
      ' ',
      '1e400',
      'NaN',
      '<html>',
      '\0',
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === 'set' && b.length > 0) b[at % b.length] = m.byte;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
    else if (m.kind === 'cut') b = b.subarray(0, at);
  }
  return b;
}

/** `bytes` cut at `cuts` (positions, any order), as a stream of chunks. */
async function* chunked(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Buffer> {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort(
    (a, b) => a - b,
  );
  let last = 0;
  for (const p of points) {
    if (p > last) yield bytes.subarray(last, p);
    last = Math.max(last, p);
  }
  if (last < bytes.length) yield bytes.subarray(last);
}

interface Outcome {
  readonly records: string[];
  readonly skipped: number;
  readonly error: string | undefined;
}

async function run(stream: AsyncIterable<{ records: unknown[] }>, policy: ErrorPolicy): Promise<Outcome> {
  const records: string[] = [];
  try {
    for await (const batch of stream) for (const r of batch.records) records.push(JSON.stringify(r));
  } catch (error) {
    if (!(error instanceof TickpipeError)) throw error;
    return { records, skipped: policy.skipped, error: error.message };
  }
  return { records, skipped: policy.skipped, error: undefined };
}

describe('fuzz: the CSV row readers', () => {
  it('byte path and string path agree on mutated kline CSV, whatever the chunking; only located errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom('skip', 'fail'),
        async (ms, cuts, mode) => {
          runs.csv!++;
          const bytes = mutate(CSV, ms);
          // The rows as the skip-everything reading gives them: what any reading may write.
          const all = new ErrorPolicy('skip');
          const ROWS_JSON = (await run(parseCsv(chunked(bytes, []), 'x.csv', klineParser(LABELS), all), all))
            .records;
          const fastPolicy = new ErrorPolicy(mode as 'skip' | 'fail');
          const fast = await run(
            binanceRows(chunked(bytes, cuts), 'x.csv', 'klines', LABELS, fastPolicy),
            fastPolicy,
          );
          const wholePolicy = new ErrorPolicy(mode as 'skip' | 'fail');
          const whole = await run(
            binanceRows(chunked(bytes, []), 'x.csv', 'klines', LABELS, wholePolicy),
            wholePolicy,
          );
          const slowPolicy = new ErrorPolicy(mode as 'skip' | 'fail');
          const slow = await run(
            parseCsv(chunked(bytes, cuts), 'x.csv', klineParser(LABELS), slowPolicy),
            slowPolicy,
          );
          if (mode === 'skip') {
            expect(fast).toEqual(whole);
            expect(fast).toEqual(slow);
          } else {
            // Under fail, the same error; what was written before it depends on the batches
            // (a batch with a bad row is not written), and is always a prefix of the rows.
            expect(fast.error).toBe(whole.error);
            expect(fast.error).toBe(slow.error);
            for (const o of [fast, whole, slow])
              expect(ROWS_JSON.slice(0, o.records.length)).toEqual(o.records);
          }
          for (const r of fast.records) {
            const c = JSON.parse(r) as Record<string, unknown>;
            for (const k of ['open', 'high', 'low', 'close', 'volume'])
              expect(Number.isFinite(c[k])).toBe(true);
            expect(Date.parse(String(c.open_time))).toBeLessThan(Date.parse(String(c.time)));
          }
        },
      ),
      { ...BUDGET, seed: 20_261_201 },
    );
  }, 30_000);
});

describe('fuzz: the zip reader', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tickpipe-fuzz-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const archives = [
    makeZip([{ name: 'a.csv', data: CSV }]),
    makeZip([
      { name: 'a.csv', data: CSV, method: 0 },
      { name: 'b.csv', data: CSV.subarray(0, 300) },
    ]),
    makeZip64('a.csv', CSV),
  ];
  /** A 16-, 32- or 64-bit field written at a place: the crafted lengths and offsets of a hostile zip. */
  const field = fc.record({
    at: fc.nat(),
    width: fc.constantFrom(2, 4, 8),
    value: fc.oneof(
      fc.constantFrom(0n, 1n, 0xffffn, 0xffffffffn, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ),
  });

  it('a damaged or crafted zip reads whole or is refused as CorruptInput, never another error', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: archives.length - 1 }),
        fc.array(field, { maxLength: 3 }),
        fc.array(mutation, { maxLength: 3 }),
        async (which, fields, ms) => {
          runs.zip!++;
          const buf = mutate(archives[which]!, ms);
          for (const f of fields) {
            if (buf.length < f.width) continue;
            const at = f.at % (buf.length - f.width + 1);
            const v = f.value & (2n ** BigInt(8 * f.width) - 1n);
            if (f.width === 2) buf.writeUInt16LE(Number(v), at);
            else if (f.width === 4) buf.writeUInt32LE(Number(v), at);
            else buf.writeBigUInt64LE(v, at);
          }
          const path = join(dir, `z${n++ % 8}.zip`);
          writeFileSync(path, buf);
          try {
            for (const entry of listZipEntries(path)) {
              let total = 0;
              for await (const c of readZipEntry(path, entry, { maxBytes: 1 << 20 })) total += c.length;
              expect(total).toBe(entry.size);
            }
          } catch (error) {
            if (!(error instanceof CorruptInput)) throw error;
            expect(error.message).toMatch(/^z\d\.zip(\/[^:]*)?: /);
          }
        },
      ),
      { ...BUDGET, seed: 20_261_202 },
    );
  }, 30_000);
});
