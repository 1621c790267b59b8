/**
 * Files written whole (src/core/io/whole-file.ts): a regular file is replaced by a rename, a path
 * that is not a regular file (a device, a FIFO) is written directly and stays what it was. Before,
 * `sanitize --report /dev/null` run as root replaced /dev/null with a regular file.
 */

import { spawn, spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wholeFile } from '../src/core/io/whole-file.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-whole-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

const trade = (id: number) =>
  JSON.stringify({
    type: 'trade',
    time: `2024-01-01T00:00:0${id}Z`,
    exchange: 'x',
    symbol: 'A',
    id,
    price: 1,
    amount: 1,
    side: 'buy',
  });

describe('wholeFile', () => {
  it('a new or regular file: written under a temporary name, renamed on commit, removed on abandon', () => {
    const path = join(dir, 'a.json');
    const first = wholeFile(path);
    expect(first.path).not.toBe(path);
    writeFileSync(first.path, 'one');
    expect(readdirSync(dir)).not.toContain('a.json');
    first.commit();
    expect(readFileSync(path, 'utf8')).toBe('one');
    const second = wholeFile(path);
    writeFileSync(second.path, 'two');
    second.abandon();
    expect(readFileSync(path, 'utf8')).toBe('one');
    expect(readdirSync(dir).filter((n) => n.startsWith('a.json.'))).toEqual([]);
  });

  it('a symbolic link to a regular file: the link stays, its target is replaced', () => {
    const target = join(dir, 'target.json');
    const link = join(dir, 'link.json');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    const file = wholeFile(link);
    writeFileSync(file.path, 'new');
    file.commit();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('/dev/null: written directly, and it stays a character device', () => {
    const file = wholeFile('/dev/null');
    expect(file.path).toBe('/dev/null');
    writeFileSync(file.path, 'x');
    file.commit();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe.skipIf(!hasMkfifo)('sanitize --report to a FIFO', () => {
  it('the report goes down the FIFO and the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'report.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (d) => {
      read += d;
    });
    const closed = new Promise<number | null>((resolve) => reader.on('close', resolve));
    const r = await runCli(['sanitize', '--report', fifo, '-q'], `${trade(1)}\n${trade(1)}\n${trade(2)}\n`);
    expect(r.code).toBe(0);
    expect(await closed).toBe(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(read).problems.duplicate.count).toBe(1);
  });
});
