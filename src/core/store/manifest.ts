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
import { UsageError } from '../errors.js';

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

/** Reads the manifest of an existing store; a folder without one is a usage error. */
export function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch {
    throw new UsageError(`${dir}: not a store (no ${MANIFEST}; tickpipe store write ${dir} makes one)`);
  }
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.partitions))
    throw new UsageError(`${join(dir, MANIFEST)}: not a store manifest of version 1`);
  return manifest;
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

/** Replaces (or adds) one partition's entry and writes the manifest. */
export function updateManifest(dir: string, manifest: Manifest, entry: Partition): void {
  const rest = manifest.partitions.filter((p) => p.path !== entry.path);
  rest.push(entry);
  rest.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  manifest.partitions = rest;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}
