// The hand-written side of `npm run bench -- --only sweep-pool`: the worker_threads pool the sweep
// used before piscina (src/core/sweep/pool.ts at 780d2d1): the shared columns from workerData,
// jobs and results as messages, the same runOne.
import { parentPort, workerData } from 'node:worker_threads';
import { columnarRunData } from '../dist/core/sweep/columns.js';
import { runOne } from '../dist/core/sweep/run.js';

const { columns, ctx } = workerData;
const data = columnarRunData(columns);
parentPort.on('message', (job) => {
  void runOne(data, ctx, job).then((r) => parentPort.postMessage(r));
});
