/**
 * The sweep views: a heat map of the objective over two parameters, the ranking of runs, and the
 * walk-forward folds. They read the records `tickpipe sweep` writes (docs/sweep.md): flat rows, the
 * parameters beside the fixed figure columns, and a fold's figures prefixed `in_` and `out_`:
 *
 *     {"type":"sweep_run","run":3,"fast":10,"slow":50,"total_return":0.3,"sharpe_ratio":1.2,...}
 *     {"type":"sweep_fold","fold":1,"train_start":"...",...,"run":3,"fast":10,"in_sharpe_ratio":...,"out_sharpe_ratio":...}
 *
 * `normalSweepRecord` turns those into the nested shape below (also accepted as it is, docs/report.md):
 *
 *     {"type":"sweep_run","id":3,"parameters":{"fast":10,"slow":50},"sharpe_ratio":1.2,"total_return":0.3,...}
 *     {"type":"sweep_run","id":4,"parameters":{...},"error":"..."}                 a failed run
 *     {"type":"sweep_summary","objective":"sharpe_ratio","direction":"maximize","runs":64,"failed":0,...}
 *     {"type":"sweep_fold","fold":1,"train_start":"...","train_end":"...","test_start":"...","test_end":"...",
 *      "parameters":{...},"in_sample":{"sharpe_ratio":...},"out_of_sample":{"sharpe_ratio":...}}
 *
 * A figure is a number, null, or a metric object {"value": ...}; anything else is shown as text.
 */

import { UsageError } from '../errors.js';
import type { WireRecord } from '../records/record.js';
import { FIGURES } from '../sweep/figures.js';

/** Fields of a flat sweep record that are neither parameters nor figures. */
const FLAT_FIELDS = new Set([
  'type',
  'run',
  'id',
  'error',
  'wall_ms',
  'time',
  'fold',
  'train_start',
  'train_end',
  'test_start',
  'test_end',
  'runs',
]);
const FIGURE_NAMES = new Set<string>(FIGURES);

/**
 * A `sweep_run` or `sweep_fold` as `tickpipe sweep` writes it (flat), in the nested shape the views
 * read: `id`, `parameters`, and for a fold `in_sample` and `out_of_sample`. A record that already
 * has a `parameters` object is returned as it is.
 */
export function normalSweepRecord(r: WireRecord): WireRecord {
  if (r.parameters !== null && typeof r.parameters === 'object') return r;
  const parameters: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  const inSample: Record<string, unknown> = {};
  const outOfSample: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (FLAT_FIELDS.has(k)) rest[k] = v;
    else if (FIGURE_NAMES.has(k)) rest[k] = v;
    else if (k.startsWith('in_') && FIGURE_NAMES.has(k.slice(3))) inSample[k.slice(3)] = v;
    else if (k.startsWith('out_') && FIGURE_NAMES.has(k.slice(4))) outOfSample[k.slice(4)] = v;
    else parameters[k] = v;
  }
  const fold = r.type === 'sweep_fold' ? { in_sample: inSample, out_of_sample: outOfSample } : {};
  return { ...rest, id: r.run ?? r.id, parameters, ...fold } as unknown as WireRecord;
}

export interface SweepOptions {
  /** The figure ranked and mapped (default: the sweep_summary's objective, else sharpe_ratio). */
  readonly objective?: string;
  /** Lower is better (default: the sweep_summary's direction, else higher is better). */
  readonly minimize?: boolean;
  /** The parameters across and down the heat map (default: the first two of the first run). */
  readonly x?: string;
  readonly y?: string;
}

export interface SweepModel {
  readonly objective: string;
  readonly minimize: boolean;
  readonly parameters: string[];
  readonly figures: string[];
  /** Runs best first; failed runs (an error, or no objective value) last, in input order. */
  readonly ranked: Array<{
    id: unknown;
    parameters: Record<string, unknown>;
    figures: Record<string, number | null>;
    value: number | null;
    error?: string;
  }>;
  readonly heatmap?: {
    x: string;
    y: string;
    xs: unknown[];
    ys: unknown[];
    /** cells[yi][xi]: the best objective over the runs at that pair (other parameters varied), or null. */
    cells: Array<Array<number | null>>;
    /** How many runs share a cell at most (1 when x and y are the only parameters). */
    perCell: number;
  };
  readonly note?: string;
  readonly folds: WireRecord[];
}

/** A figure as a number: a number, a metric's value, or null. */
export function figure(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v !== null && typeof v === 'object' && 'value' in v) return figure((v as { value: unknown }).value);
  return null;
}

const NOT_FIGURES = new Set(['type', 'id', 'run', 'parameters', 'error', 'time', 'wall_ms']);

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function buildSweep(
  flatRuns: readonly WireRecord[],
  summary: WireRecord | undefined,
  flatFolds: readonly WireRecord[],
  options: SweepOptions,
): SweepModel {
  const runs = flatRuns.map(normalSweepRecord);
  const folds = flatFolds.map(normalSweepRecord);
  const objective =
    options.objective ?? (typeof summary?.objective === 'string' ? summary.objective : 'sharpe_ratio');
  const minimize = options.minimize ?? summary?.direction === 'minimize';
  const parameters: string[] = [];
  const figures: string[] = [];
  for (const r of runs) {
    const p = r.parameters;
    if (p !== null && typeof p === 'object')
      for (const k of Object.keys(p)) if (!parameters.includes(k)) parameters.push(k);
    for (const k of Object.keys(r)) if (!NOT_FIGURES.has(k) && !figures.includes(k)) figures.push(k);
  }
  const rows = runs.map((r) => {
    const params = (r.parameters !== null && typeof r.parameters === 'object' ? r.parameters : {}) as Record<
      string,
      unknown
    >;
    const figs: Record<string, number | null> = {};
    for (const f of figures) figs[f] = figure(r[f]);
    const error = typeof r.error === 'string' ? r.error : undefined;
    const value = error === undefined ? figure(r[objective]) : null;
    return { id: r.id, parameters: params, figures: figs, value, ...(error === undefined ? {} : { error }) };
  });
  const ok = rows.filter((r) => r.value !== null);
  const failed = rows.filter((r) => r.value === null);
  // A stable sort: equal values keep the order of the grid.
  ok.sort((a, b) => (minimize ? a.value! - b.value! : b.value! - a.value!));
  for (const [flag, name] of [
    ['--x', options.x],
    ['--y', options.y],
  ] as const)
    if (name !== undefined && runs.length > 0 && !parameters.includes(name))
      throw new UsageError(
        `${flag}: the sweep has no parameter "${name}" (it has: ${parameters.join(', ') || 'none'})`,
      );
  const x = options.x ?? parameters[0];
  const y = options.y ?? parameters[1];
  let heatmap: SweepModel['heatmap'];
  let note: string | undefined;
  if (x !== undefined && y !== undefined && x !== y) {
    const xs: unknown[] = [...new Set(rows.map((r) => r.parameters[x]).filter((v) => v !== undefined))].sort(
      compareValues,
    );
    const ys: unknown[] = [...new Set(rows.map((r) => r.parameters[y]).filter((v) => v !== undefined))].sort(
      compareValues,
    );
    const cells = ys.map(() => xs.map((): number | null => null));
    const count = new Map<string, number>();
    for (const r of ok) {
      const xi = xs.indexOf(r.parameters[x]);
      const yi = ys.indexOf(r.parameters[y]);
      if (xi < 0 || yi < 0) continue;
      const k = `${xi}:${yi}`;
      count.set(k, (count.get(k) ?? 0) + 1);
      const cur = cells[yi]![xi]!;
      if (cur === null || (minimize ? r.value! < cur : r.value! > cur)) cells[yi]![xi] = r.value;
    }
    heatmap = { x, y, xs, ys, cells, perCell: Math.max(1, ...count.values()) };
  } else if (runs.length > 0) {
    note =
      parameters.length < 2
        ? 'the sweep has fewer than two parameters: no heat map'
        : `--x and --y name the same parameter (${x}): no heat map`;
  }
  return {
    objective,
    minimize,
    parameters,
    figures,
    ranked: [...ok, ...failed],
    ...(heatmap === undefined ? {} : { heatmap }),
    ...(note === undefined ? {} : { note }),
    folds: [...folds],
  };
}
