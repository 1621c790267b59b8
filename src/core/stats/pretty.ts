/**
 * `summarize --pretty`: a summary record as a human table. Colour is the caller's choice (a terminal
 * only), passed in as a style so the core does not depend on a colour library.
 */

import type { WireRecord } from '../records/record.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
}

export const PLAIN: Style = { bold: (s) => s, dim: (s) => s, green: (s) => s, red: (s) => s };

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series (at most `width` characters; the series is resampled to fit). */
export function sparkline(values: readonly number[], width = 48): string {
  if (values.length === 0) return '';
  const n = Math.min(width, values.length);
  const pts = Array.from({ length: n }, (_, i) => values[Math.floor(((i + 1) * values.length) / n) - 1]!);
  const lo = Math.min(...pts);
  const hi = Math.max(...pts);
  return pts
    .map((v) => BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))])
    .join('');
}

interface MetricLike {
  value: number | null;
  interval?: string;
  reason?: string;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const money = (v: number) =>
  v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const ratio = (v: number) => v.toFixed(3);

/** A duration for people: `3d 4h`, `2h 5m`, `1m 30s`, `2.500s` (also the report's). */
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

/** Formats a summary record (and optionally the equity curve for a sparkline) as text. */
export function formatSummary(summary: WireRecord, curve: readonly number[], style: Style = PLAIN): string {
  const lines: string[] = [];
  const w = 22;
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(w)}${text}`);
  const signed = (v: number, text: string) => (v > 0 ? style.green(text) : v < 0 ? style.red(text) : text);
  const show = (m: unknown, fmt: (v: number) => string, colour = false): string => {
    const x = m as MetricLike | null | undefined;
    if (x === null || x === undefined || typeof x !== 'object') return style.dim('n/a');
    if (x.value === null) return style.dim(`n/a (${x.reason ?? 'not computable'})`);
    const text = fmt(x.value);
    const per = x.interval === undefined ? '' : style.dim(` per ${x.interval}`);
    return `${colour ? signed(x.value, text) : text}${per}`;
  };
  const dd = (d: unknown): string => {
    const x = d as Record<string, unknown> | undefined;
    if (x === undefined || x.value === 0 || typeof x.value !== 'number') return '0';
    const when = `${String(x.time_start).slice(0, 19)} → ${String(x.time_end).slice(0, 19)}`;
    return `${pct(x.value)} ${style.dim(`(${when}, ${duration(Number(x.duration_ms))}${x.recovered === false ? ', not recovered' : ''})`)}`;
  };

  const strategy = typeof summary.strategy === 'string' ? ` ${summary.strategy}` : '';
  lines.push(style.bold(`tickpipe summary${strategy}: ${summary.time_start} → ${summary.time_end}`));
  lines.push(
    style.dim(
      `ratios per ${summary.interval}, equity returns per ${summary.period === 'daily' ? 'day' : summary.period}, risk-free return ${summary.risk_free_return} per ${summary.interval}`,
    ),
  );

  const p = summary.portfolio as Record<string, unknown>;
  lines.push('', style.bold(`Portfolio${p.asset ? ` (${p.asset})` : ''}`));
  if (p.equity_start === null) row('equity', style.dim('n/a (no equity records)'));
  else {
    const start = Number(p.equity_start);
    const end = Number(p.equity_end);
    row('equity', `${money(start)} → ${signed(end - start, money(end))}   ${sparkline(curve)}`);
    row('total return', show(p.total_return, pct, true));
    row('annualised return', show(p.annualised_return, pct, true));
    row('volatility', show(p.volatility, pct));
    row('sharpe ratio', show(p.sharpe_ratio, ratio, true));
    row('sortino ratio', show(p.sortino_ratio, ratio, true));
    row('calmar ratio', show(p.calmar_ratio, ratio, true));
    row('max drawdown', dd(p.max_drawdown));
    row('longest under water', duration(Number(p.time_under_water_ms)));
    const period = (m: unknown) => {
      const x = m as { value: number | null; time?: string; reason?: string };
      return x.value === null
        ? style.dim(`n/a (${x.reason})`)
        : `${signed(x.value, pct(x.value))} ${style.dim(`(period ending ${String(x.time).slice(0, 19)})`)}`;
    };
    row('best period', period(p.best_period));
    row('worst period', period(p.worst_period));
    row('periods', String(p.periods));
  }

  const instruments = Object.entries(summary.instruments as Record<string, Record<string, unknown>>);
  if (instruments.length > 0) lines.push('', style.bold('Instruments'));
  for (const [key, t] of instruments) {
    lines.push(`  ${style.bold(key)}`);
    const r = (label: string, text: string) => lines.push(`    ${label.padEnd(w - 2)}${text}`);
    r('pnl', signed(Number(t.pnl), money(Number(t.pnl))));
    r(
      'trades',
      `${t.trades} (${t.wins} won, ${t.losses} lost)${t.position_open ? style.dim(', one still open') : ''}`,
    );
    r('win rate', show(t.win_rate, pct));
    r('profit factor', show(t.profit_factor, ratio));
    r('expectancy', show(t.expectancy, money, true));
    r('average win / loss', `${show(t.avg_win, money)} / ${show(t.avg_loss, money)}`);
    r('largest win / loss', `${show(t.largest_win, money)} / ${show(t.largest_loss, money)}`);
    r('return (mean rate)', show(t.pnl_return, pct, true));
    r('sharpe ratio', show(t.sharpe_ratio, ratio, true));
    r('sortino ratio', show(t.sortino_ratio, ratio, true));
    r('calmar ratio', show(t.calmar_ratio, ratio, true));
    r('max pnl drawdown', dd(t.pnl_drawdown_max));
    r('average holding', show(t.avg_holding_ms, duration));
    r('time in market', show(t.time_in_market, pct));
    r('fees / funding', `${money(Number(t.fees))} / ${money(Number(t.funding))}`);
    r('volume', money(Number(t.volume)));
    r(
      'orders',
      `${t.orders} (${t.fills} fills, ${t.orders_rejected} rejected, ${t.orders_cancelled} cancelled, ${t.orders_expired} expired)`,
    );
  }

  const assets = Object.entries(summary.assets as Record<string, Record<string, unknown>>);
  if (assets.length > 0) lines.push('', style.bold('Assets'));
  for (const [key, a] of assets) {
    const s = a.balance_start as { total: number };
    const e = a.balance_end as { total: number; free: number };
    lines.push(
      `  ${key.padEnd(w)}${money(s.total)} → ${money(e.total)} ${style.dim(`(free ${money(e.free)})`)}`,
    );
    lines.push(`  ${''.padEnd(w)}max drawdown ${dd(a.drawdown_max)}`);
  }
  return `${lines.join('\n')}\n`;
}
