/**
 * The engine's warnings quote the records' and strategies' text (venues, symbols, reasons): control
 * characters in it are escaped (records/text.ts `escapeText`, as every other command's messages
 * are), so a crafted symbol cannot colour, clear or retitle the terminal or forge a line of stderr.
 */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { RejectionTally } from '../../src/core/backtest/rejections.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { runInProcess } from '../helpers/cli.js';
import { candleAt } from './parts.js';

const EVIL = 'EVIL\u001b[31mUSDT\nFAKE';
const ESCAPED = 'EVIL\\x1b[31mUSDT\\x0aFAKE';

const candle = (symbol: string, m: number): WireRecord =>
  candleAt(symbol, Date.UTC(2024, 0, 1, 0, m), { open: 100, high: 101, low: 99, close: 100 });

/** No raw control character (ESC, newline, any C0 or C1) in `text`. */
const noControls = (text: string) => expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);

describe('engine warnings escape the text they quote', () => {
  it('an unconfigured symbol holding an escape sequence and a newline is named escaped', async () => {
    const cfg = structuredClone(DEFAULT_CONFIG);
    cfg.instruments = [{ exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
    const warned: string[] = [];
    const engine = createEngine({
      config: cfg,
      strategy: { name: 't', strategy: { onRecord: () => undefined }, params: {} },
      warn: (m) => warned.push(m),
    });
    await collect(runStage(fromRecords([candle('BTCUSDT', 0), candle(EVIL, 0)]), engine));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(`x ${ESCAPED} is not configured`);
    noControls(warned[0]!);
    expect(engine.report.warnings).toContain(warned[0]);
    for (const w of engine.report.warnings) noControls(w);
  });

  it('the rejected-orders line escapes a reason quoting a strategy symbol', async () => {
    const cfg = structuredClone(DEFAULT_CONFIG);
    const engine = createEngine({
      config: cfg,
      strategy: {
        name: 't',
        strategy: { onRecord: () => ({ side: 'buy', amount: 1, symbol: EVIL }) },
        params: {},
      },
    });
    const out = await collect(runStage(fromRecords([candle('BTCUSDT', 0)]), engine));
    const tally = new RejectionTally();
    for (const r of out) tally.observe(r);
    // The order record keeps the reason as it is (JSON escapes it on output) ...
    expect(out.find((r) => r.status === 'rejected')?.reason).toBe(`unknown instrument x ${EVIL}`);
    // ... the line for stderr escapes it.
    const line = tally.message(engine.report.orders)!;
    expect(line).toBe(`1 of 1 order rejected: 1 × unknown instrument x ${ESCAPED}`);
    noControls(line);
  });

  it('backtest writes the warning escaped on stderr', async () => {
    const stdin = `${[candle('BTCUSDT', 0), candle(EVIL, 0)].map((r) => JSON.stringify(r)).join('\n')}\n`;
    const r = await runInProcess(
      ['backtest', '--balance', 'x:usdt=1000', '--strategy', 'buy-and-hold'],
      stdin,
    );
    expect(r.stderr).toContain(ESCAPED);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('FAKE'))).toEqual([]);
  });
});
