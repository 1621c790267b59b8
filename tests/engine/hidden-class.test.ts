/**
 * Objects made per symbol keep one hidden class (src/core/double-field.ts): over many symbols, the
 * orders, positions and instruments of a run share theirs. A number field first written with a
 * whole number and later with a fraction deprecates the class; the order literal then went on
 * making orders with the deprecated one, and each order's first read was a migration (5.6 us
 * each, 0.56 s of a 100,000-symbol run); positions were split between two classes. Checked in a
 * real run through bin/run.js with V8's own test (`%HaveSameMap`, under --allow-natives-syntax),
 * at each order's first trigger check.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-hidden-class-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYMBOLS = 2000;

/** Three trades per symbol, the symbols in turn (as the bench's 100,000-symbol input). */
function trades(): string {
  const lines: string[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 3 * SYMBOLS; i++) {
    const s = i % SYMBOLS;
    const price = 100 + s / 7 + i / 1000;
    lines.push(
      JSON.stringify({
        type: 'trade',
        time: new Date(t0 + i).toISOString(),
        exchange: 'binance_spot',
        symbol: `S${s}USDT`,
        id: i + 1,
        price,
        amount: 0.5,
        side: i % 2 === 0 ? 'buy' : 'sell',
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Wraps ConditionalDesk.evaluate: counts the calls whose order, instrument, position share the previous call's class. */
const probe = `
import { ConditionalDesk } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/core/orders/conditional.js')).href)};
const counts = { calls: 0, order: 0, instrument: 0, position: 0 };
let prev;
const evaluate = ConditionalDesk.prototype.evaluate;
ConditionalDesk.prototype.evaluate = function (inst, ...rest) {
  const o = inst.orders[0];
  if (prev !== undefined) {
    counts.calls++;
    if (%HaveSameMap(o, prev.o)) counts.order++;
    if (%HaveSameMap(inst, prev.inst)) counts.instrument++;
    if (%HaveSameMap(inst.pos, prev.inst.pos)) counts.position++;
  }
  prev = { o, inst };
  return evaluate.call(this, inst, ...rest);
};
process.on('exit', () => process.stderr.write('probe ' + JSON.stringify(counts) + '\\n'));
`;

describe('objects made per symbol', () => {
  it('share one hidden class across 2,000 symbols (orders, instruments, positions)', () => {
    const input = join(dir, 'trades.ndjson');
    writeFileSync(input, trades());
    const preload = join(dir, 'probe.mjs');
    writeFileSync(preload, probe);
    const r = spawnSync(
      process.execPath,
      [
        '--allow-natives-syntax',
        '--import',
        pathToFileURL(preload).href,
        BIN,
        'backtest',
        input,
        '--strategy',
        'buy-and-hold',
        '--sizing',
        'fixed-notional:1',
        '--balance',
        'binance_spot:usdt=1000000',
        '--quiet',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(r.status).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.startsWith('probe '));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const counts = JSON.parse(line!.slice('probe '.length)) as Record<string, number>;
    // One trigger check per order: each order is checked once, at the trade after it went live.
    expect(counts.calls).toBe(SYMBOLS - 1);
    expect(counts).toEqual({
      calls: SYMBOLS - 1,
      order: SYMBOLS - 1,
      instrument: SYMBOLS - 1,
      position: SYMBOLS - 1,
    });
  });
});
