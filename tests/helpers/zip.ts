/**
 * Reads the first entry of a small zip archive (test use only: enough for the single-CSV Binance
 * archive files in ../shared/data; `fetch` has the streaming reader the product uses).
 */

import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export function firstZipEntry(path: string): string {
  const buf = readFileSync(path);
  if (buf.readUInt32LE(0) !== 0x04034b50) throw new Error(`${path}: not a zip file`);
  const method = buf.readUInt16LE(8);
  const size = buf.readUInt32LE(18);
  const start = 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
  const data = buf.subarray(start, start + size);
  return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
}

/**
 * Writes a zip archive (test use: the archive tree the loopback server serves, and damaged variants).
 * `declaredSize` overrides the size the directory claims (for zip-bomb tests).
 */
export function makeZip(
  entries: readonly { name: string; data: Buffer; declaredSize?: number; method?: 0 | 8 }[],
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data) >>> 0;
    const size = e.declaredSize ?? e.data.length;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

export interface Zip64Options {
  /** Replaces the local header offset written in the entry's zip64 extra field. */
  readonly entryOffset?: bigint;
  /** Replaces the zip64 end record's offset written in the locator. */
  readonly endOffset?: bigint;
  /** Bytes of the entry's zip64 extra field kept (24 when whole: sizes and offset). */
  readonly extraLength?: number;
  /** Leaves the locator out. */
  readonly noLocator?: boolean;
}

/**
 * Writes a one-entry zip64 archive (test use): the entry's sizes and offset are 0xffffffff in the
 * 32-bit fields and in extra field 0x0001, and the directory is found through a zip64 end record
 * and its locator, as writers do for files past 4 GiB. The options damage it on purpose.
 */
export function makeZip64(name: string, data: Buffer, options: Zip64Options = {}): Buffer {
  const body = deflateRawSync(data);
  const crc = crc32(data) >>> 0;
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(45, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const extraFull = Buffer.alloc(28);
  extraFull.writeUInt16LE(0x0001, 0);
  extraFull.writeUInt16LE(24, 2);
  extraFull.writeBigUInt64LE(BigInt(data.length), 4);
  extraFull.writeBigUInt64LE(BigInt(body.length), 12);
  extraFull.writeBigUInt64LE(options.entryOffset ?? 0n, 20);
  const keep = options.extraLength ?? 24;
  const extra = extraFull.subarray(0, 4 + keep);
  extra.writeUInt16LE(keep, 2);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(45, 4);
  central.writeUInt16LE(45, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(0xffffffff, 20);
  central.writeUInt32LE(0xffffffff, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt16LE(extra.length, 30);
  central.writeUInt32LE(0xffffffff, 42);
  const cd = Buffer.concat([central, nameBytes, extra]);
  const cdOffset = local.length + nameBytes.length + body.length;
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(0x06064b50, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeBigUInt64LE(1n, 24);
  end64.writeBigUInt64LE(1n, 32);
  end64.writeBigUInt64LE(BigInt(cd.length), 40);
  end64.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(options.endOffset ?? BigInt(cdOffset + cd.length), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([local, nameBytes, body, cd, end64, ...(options.noLocator ? [] : [locator]), eocd]);
}
