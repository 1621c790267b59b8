/**
 * The streaming zip reader (src/core/io/zip.ts) on zip64 archives made here: the 64-bit fields are
 * read, and crafted ones (offsets past the file, past 2^53, a short extra field, no locator) are
 * located errors naming the file, never a RangeError.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptInput } from '../../src/core/errors.js';
import { listZipEntries, readZipEntry } from '../../src/core/io/zip.js';
import { escapeText } from '../../src/core/records/text.js';
import { makeZip, makeZip64 } from '../helpers/zip.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickpipe-zip-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const DATA = Buffer.from(Array.from({ length: 500 }, (_, i) => `${i},${(i * 7) % 13}\n`).join(''));

function file(buf: Buffer): string {
  const path = join(dir, 'x.zip');
  writeFileSync(path, buf);
  return path;
}

async function expand(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of listZipEntries(path)) for await (const c of readZipEntry(path, entry)) parts.push(c);
  return Buffer.concat(parts);
}

describe('zip64', () => {
  it('sizes and offset from extra field 0x0001, the directory through the zip64 end record', async () => {
    const path = file(makeZip64('a.csv', DATA));
    const [entry] = listZipEntries(path);
    expect(entry).toMatchObject({ name: 'a.csv', size: DATA.length, localHeaderOffset: 0, method: 8 });
    expect((await expand(path)).equals(DATA)).toBe(true);
  });

  it('reads the same bytes as the plain archive of the same data', async () => {
    const plain = await expand(file(makeZip([{ name: 'a.csv', data: DATA }])));
    const z64 = await expand(file(makeZip64('a.csv', DATA)));
    expect(z64.equals(plain)).toBe(true);
  });

  it.each([
    [
      'an entry offset beyond 2^53',
      { entryOffset: 2n ** 63n },
      /a zip64 value \(9223372036854775808\) beyond any file size/,
    ],
    [
      'an entry offset beyond the file',
      { entryOffset: 10n ** 12n },
      /entry a\.csv starts beyond the end of the file/,
    ],
    [
      'a zip64 end record offset beyond 2^53',
      { endOffset: 2n ** 64n - 1n },
      /a zip64 value .* beyond any file size/,
    ],
    [
      'a zip64 end record offset beyond the file',
      { endOffset: 10n ** 9n },
      /zip64 directory offset beyond the end of the file/,
    ],
    ['an extra field too short for its fields', { extraLength: 12 }, /a zip64 field runs past its record/],
    ['no zip64 locator', { noLocator: true }, /zip64 locator missing/],
  ])('%s: a located error naming the file', (_name, options, message) => {
    const path = file(makeZip64('a.csv', DATA, options));
    let error: unknown;
    try {
      listZipEntries(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorruptInput);
    expect((error as Error).message).toMatch(/^x\.zip: not a valid zip file: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('entry names', () => {
  it('control characters in an entry name are escaped before they can reach a terminal', async () => {
    const path = file(makeZip([{ name: 'a\x1b]0;owned\x07\nb.csv', data: DATA }]));
    const [entry] = listZipEntries(path);
    expect(entry!.name).toBe('a\\x1b]0;owned\\x07\\x0ab.csv');
    expect((await expand(path)).equals(DATA)).toBe(true);
  });

  it('an entry name is escaped as every other message quotes input (records/text.ts escapeText)', () => {
    // C1, a right-to-left override, a line separator and a BOM: the one escape function's output.
    const raw = 'x\u009b2J\u202eb\u2028c\ufeff\r\t.csv';
    const [entry] = listZipEntries(file(makeZip([{ name: raw, data: DATA }])));
    expect(entry!.name).toBe('x\\u{009b}2J\\u{202e}b\\u{2028}c\\u{feff}\\x0d\\x09.csv');
    expect(entry!.name).toBe(escapeText(raw));
  });
});
