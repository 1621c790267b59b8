/**
 * How figures are written in the page: by the field's name, as `summarize --pretty` writes them
 * (returns, drawdowns and rates as percentages, ratios to three places, durations in days and hours,
 * money to two places). Every cell also carries the exact value (`data-value`), which is what tests
 * compare with summarize's record.
 */

const PERCENT = /(return|drawdown|drawdown_mean|drawdown_max|rate|volatility|time_in_market|_period)$/;
const RATIO = /(ratio|factor)$/;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function duration(ms: number): string {
  if (ms <= 0) return '0';
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 0)}s`;
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
