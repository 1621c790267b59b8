/**
 * A run's key figures, read from the `summary` record that the summarize stage (src/core/stats)
 * wrote for the run: no second formula. Across instruments, trades, wins, losses and fees are
 * summed; win rate and profit factor are then the metrics.ts functions of those sums.
 */

import type { WireRecord } from '../records/record.js';
import { profitFactor, winRate } from '../stats/metrics.js';

export const FIGURES = [
  'total_return',
  'annualised_return',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'max_drawdown',
  'trades',
  'win_rate',
  'profit_factor',
  'fees',
] as const;

export type Figure = (typeof FIGURES)[number];
export type Figures = Record<Figure, number | null>;

type Obj = Record<string, unknown>;

const metricValue = (m: unknown): number | null => {
  const v = (m as { value?: unknown } | undefined)?.value;
  return typeof v === 'number' ? v : null;
};

/** The flat figures of one summary record. */
export function figuresOf(summary: WireRecord): Figures {
  const p = (summary.portfolio ?? {}) as Obj;
  const inst = Object.values((summary.instruments ?? {}) as Record<string, Obj>);
  let trades = 0;
  let wins = 0;
  let fees = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const i of inst) {
    trades += Number(i.trades ?? 0);
    wins += Number(i.wins ?? 0);
    fees += Number(i.fees ?? 0);
    grossProfit += (metricValue(i.avg_win) ?? 0) * Number(i.wins ?? 0);
    grossLoss += -(metricValue(i.avg_loss) ?? 0) * Number(i.losses ?? 0);
  }
  const one = inst.length === 1 ? inst[0] : undefined;
  return {
    total_return: metricValue(p.total_return),
    annualised_return: metricValue(p.annualised_return),
    sharpe_ratio: metricValue(p.sharpe_ratio),
    sortino_ratio: metricValue(p.sortino_ratio),
    calmar_ratio: metricValue(p.calmar_ratio),
    max_drawdown: metricValue(p.max_drawdown),
    trades,
    // One instrument: its own figures as summarize wrote them; more: the same functions of the sums.
    win_rate: one !== undefined ? metricValue(one.win_rate) : winRate(wins, trades).value,
    profit_factor:
      one !== undefined ? metricValue(one.profit_factor) : profitFactor(grossProfit, grossLoss, trades).value,
    fees,
  };
}

/** What the sweep optimises. */
export interface Objective {
  readonly metric: Figure;
  readonly direction: 'maximize' | 'minimize';
  /** Runs with fewer trades are not ranked. */
  readonly minTrades: number;
}

export function isFigure(name: string): name is Figure {
  return (FIGURES as readonly string[]).includes(name);
}

/** A run as ranked: its id, its objective value (null: not ranked), its parameters. */
export interface Ranked {
  readonly run: number;
  readonly value: number | null;
}

/**
 * The objective's value for a run's record, or null when it is not ranked (failed, too few
 * trades, the metric not computable).
 */
export function objectiveValue(rec: WireRecord, o: Objective): number | null {
  if (rec.error !== undefined) return null;
  if (Number(rec.trades ?? 0) < o.minTrades) return null;
  const v = rec[o.metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Best first; ties by run id (lower first), so the order is the same however runs were split. */
export function rank(runs: readonly WireRecord[], o: Objective): Ranked[] {
  const sign = o.direction === 'maximize' ? -1 : 1;
  return runs
    .map((r) => ({ run: Number(r.run), value: objectiveValue(r, o) }))
    .filter((r): r is { run: number; value: number } => r.value !== null)
    .sort((a, b) => sign * (a.value - b.value) || a.run - b.run);
}
