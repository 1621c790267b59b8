/**
 * A sweep worker: holds the prepared data it was given once (structured clone in `workerData`), runs
 * the jobs it is sent with the same `runOne` as the in-process path, and posts back each result.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { PreparedData } from '../engine/data.js';
import { type Job, runOne, type SweepContext } from './run.js';

const { data, ctx } = workerData as { data: PreparedData; ctx: SweepContext };

parentPort?.on('message', (job: Job) => {
  void runOne(data, ctx, job).then((result) => parentPort?.postMessage(result));
});
