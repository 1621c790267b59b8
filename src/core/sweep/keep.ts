/**
 * `--keep N`: the full backtest output of the best N runs, each run again (the same engine, the
 * same data) into DIR/run-<id>.ndjson, exactly the records `backtest` writes for those parameters.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closeStrategyOf } from '../backtest/backtest.js';
import type { PreparedData } from '../engine/data.js';
import { serialize, type WireRecord } from '../records/record.js';
import { preparedRunData } from './columns.js';
import { drive, engineFor, type Job, type SweepContext } from './run.js';

/** Writes each job's full output to `dir`; returns the files written. */
export async function keepRuns(
  data: PreparedData,
  ctx: SweepContext,
  jobs: readonly Job[],
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const job of jobs) {
    const file = join(dir, `run-${job.run}.ndjson`);
    const out = createWriteStream(file);
    const engine = await engineFor(ctx, job.params, () => {});
    const pending: string[] = [];
    try {
      drive(preparedRunData(data), engine, (records: WireRecord[]) => {
        for (const r of records) pending.push(serialize(r));
      });
      closeStrategyOf(engine, true);
    } finally {
      closeStrategyOf(engine);
    }
    // Written in slices, each slice waiting for the file to drain.
    for (let i = 0; i < pending.length; i += 4096) {
      if (!out.write(`${pending.slice(i, i + 4096).join('\n')}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    files.push(file);
  }
  return files;
}
