/**
 * The store's manifest (`DIR/manifest.json`): one entry per partition, with its row count and the
 * first and last time key. It is replaced atomically (a temporary file, fsync, rename, fsync of the
 * folder) after each partition is, so a crash leaves either the old manifest or the new one.
 */

import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { CorruptInput, UsageError } from '../errors.js';

export const MANIFEST = 'manifest.json';

export interface Partition {
  /** The Parquet file, relative to the store: `exchange/kind/symbol/interval/year=YYYY/month=MM/data.parquet`. */
  readonly path: string;
  readonly exchange: string;
  readonly kind: string;
  readonly symbol: string;
  /** The candle interval, or `none` for other kinds. */
  readonly interval: string;
  readonly year: number;
  readonly month: number;
  readonly rows: number;
  /** The first and last time key in the partition (candles: open_time; others: time). */
  readonly min_time: string;
  readonly max_time: string;
}

export interface Manifest {
  readonly version: 1;
  partitions: Partition[];
}

/**
 * A store's folder may not have `*`, `?` or `[` in its path: DuckDB reads a file name with them as
 * a pattern, so its files would be looked for elsewhere (a usage error, exit 2).
 */
export function checkStoreDir(dir: string): void {
  if (/[*?[]/.test(dir))
    throw new UsageError(
      `${dir}: a store's path cannot contain *, ? or [ (DuckDB reads them as a file pattern); rename the folder`,
    );
}

/** Reads the manifest of an existing store; a folder without one is a usage error. */
export function readManifest(dir: string): Manifest {
  checkStoreDir(dir);
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch {
    throw new UsageError(`${dir}: not a store (no ${MANIFEST}; tickpipe store write ${dir} makes one)`);
  }
  const file = join(dir, MANIFEST);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new CorruptInput(file, `not valid JSON (${(error as Error).message}); ${MANIFEST_REMEDY}`);
  }
  if (manifest === null || manifest.version !== 1 || !Array.isArray(manifest.partitions))
    throw new UsageError(`${file}: not a store manifest of version 1`);
  manifest.partitions.forEach((p, i) => {
    const problem = entryProblem(p);
    if (problem !== undefined)
      throw new CorruptInput(`${file}: partition ${i + 1}`, `${problem}; ${MANIFEST_REMEDY}`);
  });
  return manifest;
}

/** What to do about a damaged partition file: without it, a write of its month makes it anew. */
export const REMEDY = 'delete the file, then write its month again with tickpipe store write';

/** What to do about a damaged manifest. */
const MANIFEST_REMEDY = 'restore it, or write the records again with tickpipe store write into a new folder';

const TEXT_FIELDS = ['path', 'exchange', 'kind', 'symbol', 'interval', 'min_time', 'max_time'] as const;

/**
 * Why a manifest entry is not one the store wrote, or undefined: its fields of the types they have,
 * its path inside the store (no `..`, not absolute), which a read opens.
 */
function entryProblem(p: Partition): string | undefined {
  if (p === null || typeof p !== 'object') return 'expected an object';
  for (const field of TEXT_FIELDS)
    if (typeof p[field] !== 'string' || p[field].length === 0) return `expected a text for "${field}"`;
  for (const field of ['year', 'month', 'rows'] as const)
    if (!Number.isSafeInteger(p[field]) || p[field] < 0) return `expected a whole number for "${field}"`;
  if (p.path.startsWith('/') || p.path.split(/[\\/]/).includes('..'))
    return `"path" ${JSON.stringify(p.path)} is not a path inside the store`;
  return undefined;
}

/** The manifest of a store, or an empty one for a new store. */
export function readOrCreateManifest(dir: string): Manifest {
  return existsSync(join(dir, MANIFEST)) ? readManifest(dir) : { version: 1, partitions: [] };
}

/** Writes `path` atomically: a temporary file beside it, fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  fsyncPath(tmp);
  renameSync(tmp, path);
  fsyncPath(dirname(path));
}

/** fsyncs a file or folder. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces (or adds) these partitions' entries and writes the manifest. */
export function updateManifest(dir: string, manifest: Manifest, entries: readonly Partition[]): void {
  const paths = new Set(entries.map((e) => e.path));
  const rest = manifest.partitions.filter((p) => !paths.has(p.path));
  rest.push(...entries);
  rest.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  manifest.partitions = rest;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}
