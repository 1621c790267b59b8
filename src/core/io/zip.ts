/**
 * A streaming zip reader for archives on disk (the Binance archive's one-CSV zips, up to many GiB).
 *
 * It reads the central directory (zip64 included) from the end of the file, then streams one entry
 * through `inflateRaw`: memory stays at a few chunks whatever the entry's size. Every entry is checked
 * as it streams: the CRC-32 and the size the directory declares, and a hard bound on the expanded
 * size, so a zip bomb (an entry that expands far beyond what it claims) stops with an error instead of
 * filling memory or running for ever. Encrypted entries and methods other than stored and deflate are
 * refused. A crafted offset or length (zip64's 64-bit fields included) is a located error. On an
 * abort, an entry ends where it is (not an error: the command then finishes what it read).
 */

import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { crc32, createInflateRaw } from 'node:zlib';
import { CorruptInput } from '../errors.js';
import { escapeText } from '../records/text.js';
import { untilAborted } from './abortable.js';
import { READ_CHUNK } from './input.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** The default bound on one entry's expanded size (the largest Binance monthly files are a few GiB). */
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 ** 3;
/** Entries that claim more than this ratio of expanded to compressed bytes are refused up front. */
const MAX_RATIO = 1000;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** A structure that does not hold together; becomes a CorruptInput naming the file. */
class Malformed extends Error {}

function u64(buf: Buffer, at: number, end = buf.length): number {
  if (at + 8 > end) throw new Malformed('a zip64 field runs past its record');
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed(`a zip64 value (${v}) beyond any file size`);
  return Number(v);
}

/** Lists a zip file's entries. Throws a DataError naming the file when it is not a readable zip. */
export function listZipEntries(path: string): ZipEntry[] {
  const name = basename(path);
  try {
    return readDirectory(path, name);
  } catch (error) {
    // A crafted offset or length: a located error, never a RangeError's stack.
    if (error instanceof Malformed || error instanceof RangeError)
      throw new CorruptInput(name, `not a valid zip file: ${error.message}`);
    throw error;
  }
}

function readDirectory(path: string, name: string): ZipEntry[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const corrupt = (why: string): CorruptInput => new CorruptInput(name, `not a valid zip file: ${why}`);
    if (size < 22) throw corrupt(`${size} bytes is too short`);
    const head = readAt(fd, 0, 4);
    if (head.readUInt32LE(0) !== LOCAL && head.readUInt32LE(0) !== EOCD) {
      const text = head.toString('latin1');
      throw corrupt(text.startsWith('<') ? 'it is an HTML page' : 'no zip signature at its start');
    }
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLen, tailLen);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at === -1) throw corrupt('no end-of-central-directory record (truncated?)');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = at - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR) throw corrupt('zip64 locator missing');
      const z64At = u64(tail, loc + 8);
      if (z64At + 56 > size) throw corrupt('zip64 directory offset beyond the end of the file');
      const z64 = readAt(fd, z64At, 56);
      if (z64.length < 56 || z64.readUInt32LE(0) !== ZIP64_EOCD) throw corrupt('zip64 directory missing');
      count = u64(z64, 32);
      cdSize = u64(z64, 40);
      cdOffset = u64(z64, 48);
    }
    if (cdOffset + cdSize > size) throw corrupt('central directory beyond the end of the file (truncated?)');
    const cd = readAt(fd, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw corrupt('damaged central directory');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let uncompressed = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let offset = cd.readUInt32LE(p + 42);
      // Escaped once here: the name reaches messages (`file.zip/name:12: ...`) and nothing else.
      const entryName = escapeText(cd.toString('utf8', p + 46, p + 46 + nameLen));
      // Zip64: the 32-bit fields that overflowed are in extra field 0x0001, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          const end = Math.min(e + 4 + len, extraEnd, cd.length);
          let q = e + 4;
          if (uncompressed === 0xffffffff) {
            uncompressed = u64(cd, q, end);
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = u64(cd, q, end);
            q += 8;
          }
          if (offset === 0xffffffff) offset = u64(cd, q, end);
        }
        e += 4 + len;
      }
      if (offset + 30 > size) throw corrupt(`entry ${entryName} starts beyond the end of the file`);
      if ((flags & 1) !== 0)
        throw new CorruptInput(`${name}/${entryName}`, 'encrypted zip entries are not supported');
      entries.push({
        name: entryName,
        method,
        crc,
        compressedSize,
        size: uncompressed,
        localHeaderOffset: offset,
      });
      p = extraEnd + commentLen;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

export interface ReadEntryOptions {
  /** Refuse to expand the entry beyond this many bytes (default 64 GiB). */
  readonly maxBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Streams one entry's expanded bytes. Checks, as it goes and at the end: the expanded size against
 * the bound and the declared size, and the CRC-32.
 */
export async function* readZipEntry(
  path: string,
  entry: ZipEntry,
  options: ReadEntryOptions = {},
): AsyncGenerator<Buffer> {
  const where = `${basename(path)}/${entry.name}`;
  const max = options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (entry.method !== 0 && entry.method !== 8)
    throw new CorruptInput(where, `unsupported zip compression method ${entry.method}`);
  if (entry.size > max)
    throw new CorruptInput(where, `entry expands to ${entry.size} bytes, beyond the bound of ${max}`);
  if (entry.compressedSize > 0 && entry.size / entry.compressedSize > MAX_RATIO && entry.size > 1024 * 1024)
    throw new CorruptInput(
      where,
      `entry claims a compression ratio of ${Math.round(entry.size / entry.compressedSize)}:1 (a zip bomb?)`,
    );
  const fd = openSync(path, 'r');
  let dataStart: number;
  try {
    const local = readAt(fd, entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL)
      throw new CorruptInput(where, 'not a valid zip file: damaged local header');
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataStart + entry.compressedSize > fstatSync(fd).size)
      throw new CorruptInput(
        where,
        'not a valid zip file: entry data runs past the end of the file (truncated?)',
      );
  } finally {
    closeSync(fd);
  }
  if (entry.compressedSize === 0) {
    if (entry.size !== 0)
      throw new CorruptInput(where, 'not a valid zip file: empty data for a non-empty entry');
    return;
  }
  const raw = createReadStream(path, {
    start: dataStart,
    end: dataStart + entry.compressedSize - 1,
    highWaterMark: READ_CHUNK,
  });
  const source = entry.method === 8 ? raw.pipe(createInflateRaw({ chunkSize: READ_CHUNK })) : raw;
  if (entry.method === 8) raw.on('error', (error) => source.destroy(error));
  let crc = 0;
  let total = 0;
  try {
    for await (const chunk of untilAborted(source as AsyncIterable<Buffer>, options.signal)) {
      total += chunk.length;
      if (total > entry.size || total > max)
        throw new CorruptInput(
          where,
          `entry expands beyond ${total > max ? `the bound of ${max}` : `its declared ${entry.size}`} bytes (a zip bomb or a damaged file)`,
        );
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof CorruptInput) throw error;
    throw new CorruptInput(where, `corrupt zip entry: ${(error as Error).message}`);
  } finally {
    raw.destroy();
    source.destroy();
  }
  // Interrupted (SIGINT/SIGTERM): the entry ends where it is; it is not damaged.
  if (options.signal?.aborted === true) return;
  if (total !== entry.size)
    throw new CorruptInput(
      where,
      `corrupt zip entry: expanded to ${total} bytes, the directory says ${entry.size}`,
    );
  if (crc >>> 0 !== entry.crc >>> 0) throw new CorruptInput(where, 'corrupt zip entry: CRC-32 mismatch');
}
