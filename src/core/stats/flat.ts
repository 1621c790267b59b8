/**
 * `summarize --flat`: a summary record as rows of fixed columns, so the summaries of runs on
 * different symbols, venues and strategies line up in one table (`--format csv | mlr ...`). A
 * summary is keyed by instrument names (`instruments["binance_spot:BTCUSDT"].sharpe_ratio`); a flat
 * row names the instrument in a column instead.
 *
 * Rules (docs/statistics.md, "Flat rows"):
 * - One `summary_row` record with `scope: "portfolio"` (the equity curve's figures), then one with
 *   `scope: "instrument"` per instrument, in the summary's order, `exchange` and `instrument` set.
 * - Every row has every column of COLUMNS, in that order, whatever the run: a figure that does not
 *   apply to the row's scope, or that could not be computed, is null (an empty cell).
 * - A metric (`{"value": ..., "reason": ...}`) is its value; a drawdown its depth (`value`).
 * - `round`: numbers with a fraction are rounded to that many decimal places (whole numbers, such as
 *   counts and durations in ms, are left as they are).
 */

import type { Stage } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';

/** Run columns, on every row. */
const RUN = ['strategy', 'time_start', 'time_end', 'interval', 'period', 'risk_free_return'] as const;

/** Figures of the portfolio row (docs/statistics.md, "Portfolio"). */
const PORTFOLIO = [
  'asset',
  'equity_start',
  'equity_end',
  'total_return',
  'annualised_return',
  'volatility',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'max_drawdown',
  'max_drawdown_duration_ms',
  'time_under_water_ms',
  'best_period',
  'worst_period',
  'periods',
] as const;

/** Figures of an instrument row (docs/statistics.md, "Instruments"); the ratios share the portfolio's columns. */
const INSTRUMENT = [
  'pnl',
  'pnl_return',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'pnl_drawdown_max',
  'pnl_drawdown_mean',
  'win_rate',
  'profit_factor',
  'trades',
  'wins',
  'losses',
  'avg_win',
  'avg_loss',
  'largest_win',
  'largest_loss',
  'expectancy',
  'avg_holding_ms',
  'fees',
  'funding',
  'volume',
  'fills',
  'orders',
  'orders_rejected',
  'orders_cancelled',
  'orders_expired',
  'time_in_market',
  'position_open',
] as const;

/** Every column of a flat row, in order. */
export const COLUMNS: readonly string[] = [
  'type',
  'time',
  'scope',
  'exchange',
  'instrument',
  ...RUN,
  ...new Set<string>([...PORTFOLIO, ...INSTRUMENT]),
];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function roundNumber(v: number, round: number | undefined): number {
  return round === undefined || Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toFixed(round));
}

/** A figure as a cell: a metric or drawdown object is its value; nothing is null. */
function figure(v: unknown, round: number | undefined): unknown {
  if (isObj(v)) return figure(v.value, round);
  if (typeof v === 'number') return roundNumber(v, round);
  return v === undefined ? null : v;
}

/** A record with every number in it rounded to `round` decimal places (`summarize --round` without --flat). */
export function roundRecord(record: WireRecord, round: number): WireRecord {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return roundNumber(v, round);
    if (Array.isArray(v)) return v.map(walk);
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(record) as WireRecord;
}

function row(
  summary: Obj,
  scope: string,
  figures: Obj,
  names: readonly string[],
  round: number | undefined,
  where: Obj,
): WireRecord {
  const out: Obj = {};
  for (const c of COLUMNS) out[c] = null;
  out.type = 'summary_row';
  out.time = summary.time ?? null;
  out.scope = scope;
  Object.assign(out, where);
  for (const c of RUN) out[c] = figure(summary[c], round);
  for (const c of names) out[c] = figure(figures[c], round);
  return out as WireRecord;
}

/** The flat rows of one summary record: the portfolio's, then one per instrument. */
export function flatRows(summary: WireRecord, round?: number): WireRecord[] {
  const s = summary as Obj;
  const rows = [row(s, 'portfolio', isObj(s.portfolio) ? s.portfolio : {}, PORTFOLIO, round, {})];
  const instruments = isObj(s.instruments) ? s.instruments : {};
  for (const [key, figures] of Object.entries(instruments)) {
    if (!isObj(figures)) continue;
    const colon = key.indexOf(':');
    const where = {
      exchange: colon < 0 ? null : key.slice(0, colon),
      instrument: colon < 0 ? key : key.slice(colon + 1),
    };
    rows.push(row(s, 'instrument', figures, INSTRUMENT, round, where));
  }
  return rows;
}

/** A stage that turns summary records into flat rows (or, with flat false, rounds them); other records pass unchanged. */
export class FlatStage implements Stage {
  constructor(
    private readonly flat: boolean,
    private readonly round?: number,
  ) {}

  push(record: WireRecord, out: WireRecord[]): void {
    if (record.type !== 'summary') out.push(record);
    else if (this.flat) for (const r of flatRows(record, this.round)) out.push(r);
    else out.push(this.round === undefined ? record : roundRecord(record, this.round));
  }

  finish(): void {}
}
