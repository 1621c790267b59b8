/**
 * How figures are written in the page: by the field's name, as `summarize --pretty` writes them
 * (returns, drawdowns and rates as percentages, ratios to three places, durations in days and hours,
 * money to two places). Every cell also carries the exact value (`data-value`), which is what tests
 * compare with summarize's record.
 */

import { duration } from '../stats/pretty.js';

const PERCENT = /(return|drawdown|drawdown_mean|drawdown_max|rate|volatility|time_in_market|_period)$/;
const RATIO = /(ratio|factor)$/;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

export function money(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A figure of the field `key` as text. */
export function formatFigure(key: string, v: number): string {
  if (key.endsWith('_ms')) return duration(v);
  if (PERCENT.test(key)) return pct(v);
  if (RATIO.test(key)) return v.toFixed(3);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  return money(v);
}

/** A label from a field name: `max_drawdown_duration_ms` -> `max drawdown duration`. */
export function label(key: string): string {
  return key.replace(/_ms$/, '').replace(/_/g, ' ');
}
