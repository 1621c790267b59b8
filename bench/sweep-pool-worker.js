// The piscina side of `npm run bench -- --only sweep-pool`: the same run as src/core/sweep/worker.ts
// (the shared columns from workerData, runOne per job), as a piscina task.
import { workerData } from 'piscina';
import { columnarRunData } from '../dist/core/sweep/columns.js';
import { runOne } from '../dist/core/sweep/run.js';

const { columns, ctx } = workerData;
const data = columnarRunData(columns);

export default function run(job) {
  return runOne(data, ctx, job);
}
