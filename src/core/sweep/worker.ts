/**
 * A sweep worker: reads the shared columns it was given once (`workerData`; see columns.ts), runs
 * the jobs it is sent with the same `runOne` as the in-process path, and posts back each result.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { type ColumnarData, columnarRunData } from './columns.js';
import { type Job, runOne, type SweepContext } from './run.js';

const { columns, ctx } = workerData as { columns: ColumnarData; ctx: SweepContext };
const data = columnarRunData(columns);

parentPort?.on('message', (job: Job) => {
  void runOne(data, ctx, job).then((result) => parentPort?.postMessage(result));
});
