/**
 * Shared by the report tests (tests/report*.test.ts): running the CLI where it must succeed, writing a
 * market file and the backtest of it, and reading a summary record the way the page lays it out.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';

/** `tickpipe <argv>` that must exit 0: its stdout. */
export async function cli(argv: string[], stdin?: string): Promise<string> {
  const r = await runCli(argv, stdin);
  if (r.code !== 0) throw new Error(`tickpipe ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Writes `market` to DIR/NAME.ndjson and its backtest (sma-cross, half the equity per trade unless
 * `args` say otherwise) to DIR/NAME-run.ndjson.
 */
export async function backtestFiles(
  dir: string,
  name: string,
  market: string,
  args: string[] = ['--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5'],
): Promise<{ market: string; run: string }> {
  const files = { market: join(dir, `${name}.ndjson`), run: join(dir, `${name}-run.ndjson`) };
  writeFileSync(files.market, market);
  writeFileSync(files.run, await cli(['backtest', files.market, ...args, '--quiet']));
  return files;
}

/** The value at `path` in a summary record (a metric's value, or the figure itself). */
export function at(summary: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = summary;
  for (const k of path) v = (v as Record<string, unknown>)[k];
  if (v !== null && typeof v === 'object' && 'value' in (v as object)) return (v as { value: unknown }).value;
  return v;
}

/** Every figure of a summary's sections, as the page lays them out (nested objects flattened once). */
export function leafCount(summary: Record<string, unknown>): number {
  const sections: Array<Record<string, unknown>> = [
    summary.portfolio as Record<string, unknown>,
    ...Object.values(summary.instruments as Record<string, Record<string, unknown>>),
    ...Object.values(summary.assets as Record<string, Record<string, unknown>>),
  ];
  let n = 0;
  for (const s of sections)
    for (const v of Object.values(s))
      n += v !== null && typeof v === 'object' && !('value' in v) ? Object.keys(v).length : 1;
  return n;
}
