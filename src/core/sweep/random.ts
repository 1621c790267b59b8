/**
 * Random search (`--samples N --seed S`): N points drawn from the space with the seeded generator of
 * `generate` (the same on every machine), numbered 1..N in draw order, so shards and resume work
 * exactly as for a grid. Per dimension: a list or a stepped range, a uniform choice among its
 * values; `a..b`, uniform on [a, b]; `a..b:log`, log-uniform (uniform in ln); ranges with whole
 * ends give whole numbers (rounded after the draw). `--where` is applied by drawing again.
 */

import { UsageError } from '../errors.js';
import { Rng, seedFrom } from '../generate/random.js';
import { checkDimensions } from './plan.js';
import type { Job } from './run.js';
import { type Dimension, gridValues, type Value } from './space.js';
import type { Where } from './where.js';

/** Draws per kept sample before giving up on a constraint that keeps (almost) nothing. */
const TRIES = 1000;

function draw(d: Dimension, rng: Rng): Value {
  if (d.kind === 'list' || d.step !== undefined) {
    const values = gridValues(d);
    return values[rng.int(0, values.length - 1)]!;
  }
  if (d.integer && !d.log) return rng.int(d.from, d.to);
  const x = d.log
    ? Math.exp(Math.log(d.from) + rng.uniform() * (Math.log(d.to) - Math.log(d.from)))
    : d.from + rng.uniform() * (d.to - d.from);
  return d.integer ? Math.min(d.to, Math.max(d.from, Math.round(x))) : x;
}

export function planRandom(
  dims: readonly Dimension[],
  where: Where | undefined,
  samples: number,
  seed: number,
): Job[] {
  checkDimensions(dims);
  const rng = new Rng(seedFrom(seed));
  const jobs: Job[] = [];
  let tries = 0;
  while (jobs.length < samples) {
    if (++tries > samples * TRIES)
      throw new UsageError(
        `--where '${where?.source ?? ''}': only ${jobs.length} of ${samples} samples kept after ${tries - 1} draws`,
      );
    const params = dims.map((d) => [d.key, draw(d, rng)] as const);
    if (where !== undefined && !where.test(new Map(params))) continue;
    jobs.push({ run: jobs.length + 1, params });
  }
  return jobs;
}
