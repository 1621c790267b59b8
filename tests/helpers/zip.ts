/**
 * Reads the first entry of a small zip archive (test use only: enough for the single-CSV Binance
 * archive files in ../shared/data; `fetch` has the streaming reader the product uses).
 */

import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export function firstZipEntry(path: string): string {
  const buf = readFileSync(path);
  if (buf.readUInt32LE(0) !== 0x04034b50) throw new Error(`${path}: not a zip file`);
  const method = buf.readUInt16LE(8);
  const size = buf.readUInt32LE(18);
  const start = 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
  const data = buf.subarray(start, start + size);
  return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
}
