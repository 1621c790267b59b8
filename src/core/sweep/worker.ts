/**
 * A sweep worker (a piscina task module): reads the shared columns it was given once (`workerData`;
 * see columns.ts) and runs each job it is given with the same `runOne` as the in-process path.
 */

import { workerData } from 'piscina';
import { type ColumnarData, columnarRunData } from './columns.js';
import { type Job, type RunResult, runOne, type SweepContext } from './run.js';

const { columns, ctx } = workerData as { columns: ColumnarData; ctx: SweepContext };
const data = columnarRunData(columns);

export default function run(job: Job): Promise<RunResult> {
  return runOne(data, ctx, job);
}
