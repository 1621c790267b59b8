/**
 * The plan: every run of the space with its id (1, 2, ... in grid order, after `--where`), the
 * slice a shard takes, and the runs a resumed sweep has already done.
 */

import { UsageError } from '../errors.js';
import type { WireRecord } from '../records/record.js';
import { FIGURES } from './figures.js';
import type { Job } from './run.js';
import { type Dimension, expandGrid, gridSize, type Value } from './space.js';
import type { Where } from './where.js';

/** Keys of a `sweep_run` record that are not parameters. */
export const RESERVED = new Set<string>(['type', 'run', 'error', 'wall_ms', ...FIGURES]);

/** Each parameter once, none named like a column of sweep_run records, at least one. */
export function checkDimensions(dims: readonly Dimension[]): void {
  if (dims.length === 0)
    throw new UsageError('an empty search space: give --grid KEY=VALUES (or --space FILE, or --samples N)');
  const seen = new Set<string>();
  for (const d of dims) {
    if (seen.has(d.key)) throw new UsageError(`--grid ${d.key}: the parameter is given twice`);
    if (RESERVED.has(d.key))
      throw new UsageError(
        `--grid ${d.key}: the name is a column of sweep_run records; it cannot be a parameter`,
      );
    seen.add(d.key);
  }
}

export function planGrid(dims: readonly Dimension[], where: Where | undefined, maxRuns: number): Job[] {
  checkDimensions(dims);
  const size = gridSize(dims);
  if (size > maxRuns)
    throw new UsageError(
      `the grid has ${size.toLocaleString('en-US')} runs, more than --max-runs ${maxRuns.toLocaleString('en-US')} (${dims.map((d) => d.key).join(' x ')}); narrow it or raise --max-runs`,
    );
  const jobs: Job[] = [];
  for (const params of expandGrid(dims)) {
    if (where !== undefined && !where.test(new Map(params))) continue;
    jobs.push({ run: jobs.length + 1, params });
  }
  if (jobs.length === 0)
    throw new UsageError(`--where '${where?.source ?? ''}' leaves no run of the ${size} in the grid`);
  return jobs;
}

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/**
 * `--shard K/N` (K from 1 to N) or `auto`: a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based,
 * with --shard-count), a Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of
 * SLURM_ARRAY_TASK_COUNT).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv, shardCount?: number): Shard {
  if (text === 'auto') {
    const k8s = env.JOB_COMPLETION_INDEX;
    if (k8s !== undefined) {
      if (shardCount === undefined)
        throw new UsageError(
          "--shard auto: JOB_COMPLETION_INDEX is set; give the job's completions as --shard-count N",
        );
      return checkShard(Number(k8s), shardCount, `JOB_COMPLETION_INDEX=${k8s}`);
    }
    const id = env.SLURM_ARRAY_TASK_ID;
    if (id !== undefined) {
      const count = Number(env.SLURM_ARRAY_TASK_COUNT ?? shardCount);
      const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
      return checkShard(Number(id) - min, count, `SLURM_ARRAY_TASK_ID=${id}`);
    }
    throw new UsageError(
      '--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; give --shard K/N',
    );
  }
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null)
    throw new UsageError(`--shard: expected K/N (1/4 is the first of four) or auto, found "${text}"`);
  return checkShard(Number(m[1]) - 1, Number(m[2]), `--shard ${text}`);
}

function checkShard(index: number, count: number, where: string): Shard {
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`${where}: the shard count must be 1 or more, found ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new UsageError(`${where}: the shard is out of range (shards 1 to ${count})`);
  return { index, count };
}

/** A shard's runs: every count-th run, so each shard gets a share of every part of the grid. */
export function shardJobs(jobs: readonly Job[], shard: Shard | undefined): Job[] {
  if (shard === undefined) return [...jobs];
  return jobs.filter((j) => (j.run - 1) % shard.count === shard.index);
}

/** The parameters of a `sweep_run` record, in its order. */
export function paramsOfRecord(rec: WireRecord): Array<[string, unknown]> {
  return Object.entries(rec).filter(([k]) => !RESERVED.has(k));
}

/**
 * The runs of `--resume FILE` that this plan has, by id; a run whose parameters differ is a usage
 * error (the file is from another sweep).
 */
export function resumedRuns(
  jobs: readonly Job[],
  records: readonly WireRecord[],
  source: string,
): Map<number, WireRecord> {
  const byId = new Map(jobs.map((j) => [j.run, j]));
  const done = new Map<number, WireRecord>();
  for (const rec of records) {
    if (rec.type !== 'sweep_run') continue;
    const id = Number(rec.run);
    const job = byId.get(id);
    const mine = job === undefined ? undefined : JSON.stringify(job.params.map(([k, v]) => [k, v as Value]));
    const theirs = JSON.stringify(paramsOfRecord(rec));
    if (mine !== theirs)
      throw new UsageError(
        `${source}: run ${id} is ${theirs} there but ${mine ?? 'not in this sweep'} here; the file is from a different sweep`,
      );
    done.set(id, rec);
  }
  return done;
}
