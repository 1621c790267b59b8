/**
 * Assembling the page: one HTML file with the chart libraries, the style, the data (JSON) and the
 * script that draws it all inlined, so it opens from disk with no network. The tables (tear sheet,
 * monthly returns, sweep) are written here as HTML; the charts and the sortable trade list are drawn
 * in the browser from the inlined data (docs/report.md).
 */

import type { WireRecord } from '../records/record.js';
import { escapeHtml as esc, formatFigure, label, pct } from './format.js';
import type { ReportModel } from './model.js';
import type { SweepModel } from './sweep.js';

export interface PageParts {
  readonly title: string;
  readonly source: string;
  readonly notes: readonly string[];
  readonly model?: ReportModel;
  readonly sweep?: SweepModel;
  /** The libraries' code and style, and the page's own script. */
  readonly assets: {
    readonly scripts: readonly string[];
    readonly styles: readonly string[];
    readonly client: string;
  };
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline code safe inside a <script> element. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

interface MetricLike {
  value?: unknown;
  interval?: unknown;
  reason?: unknown;
  time?: unknown;
  time_start?: unknown;
  time_end?: unknown;
  recovered?: unknown;
}

function cell(path: string[], key: string, v: unknown): string {
  const attr = `data-path="${esc(JSON.stringify(path))}"`;
  if (v === null || v === undefined) return `<td ${attr} data-value="null" class="na">n/a</td>`;
  if (typeof v === 'number')
    return `<td ${attr} data-value="${esc(JSON.stringify(v))}" class="${v < 0 ? 'neg' : ''}">${esc(formatFigure(key, v))}</td>`;
  if (typeof v === 'boolean') return `<td ${attr} data-value="${v}">${v ? 'yes' : 'no'}</td>`;
  if (typeof v === 'string') return `<td ${attr} data-value="${esc(JSON.stringify(v))}">${esc(v)}</td>`;
  const m = v as MetricLike;
  const value = m.value;
  const extra: string[] = [];
  if (typeof m.interval === 'string') extra.push(`per ${m.interval}`);
  if (typeof m.time === 'string') extra.push(`period ending ${m.time.slice(0, 19)}`);
  if (typeof m.time_start === 'string' && typeof m.time_end === 'string')
    extra.push(
      `${m.time_start.slice(0, 19)} → ${m.time_end.slice(0, 19)}${m.recovered === false ? ', not recovered' : ''}`,
    );
  const small = extra.length > 0 ? ` <small>${esc(extra.join('; '))}</small>` : '';
  if (value === null)
    return `<td ${attr} data-value="null" class="na" title="${esc(String(m.reason ?? ''))}">n/a <small>(${esc(String(m.reason ?? 'not computable'))})</small></td>`;
  if (typeof value === 'number')
    return `<td ${attr} data-value="${esc(JSON.stringify(value))}" class="${value < 0 ? 'neg' : ''}">${esc(formatFigure(key, value))}${small}</td>`;
  return `<td ${attr} data-value="${esc(JSON.stringify(value ?? null))}">${esc(JSON.stringify(value))}</td>`;
}

/** The rows of one section of the summary record: one per figure, nested objects flattened. */
function figureRows(path: string[], obj: Record<string, unknown>): string[] {
  const rows: string[] = [];
  for (const [key, v] of Object.entries(obj)) {
    const isPlainObject = v !== null && typeof v === 'object' && !('value' in (v as object));
    if (isPlainObject) {
      for (const [sub, sv] of Object.entries(v as Record<string, unknown>))
        rows.push(
          `<tr><th>${esc(label(key))} ${esc(label(sub))}</th>${cell([...path, key, sub], sub === 'total' || sub === 'free' ? 'balance' : sub, sv)}</tr>`,
        );
    } else rows.push(`<tr><th>${esc(label(key))}</th>${cell([...path, key], key, v)}</tr>`);
  }
  return rows;
}

function tearSheet(summary: WireRecord): string {
  const parts: string[] = [];
  const portfolio = summary.portfolio as Record<string, unknown> | undefined;
  parts.push(
    `<p class="meta">ratios per <b>${esc(String(summary.interval))}</b>, equity returns per <b>${esc(String(summary.period))}</b>, risk-free return <b>${esc(String(summary.risk_free_return))}</b> per ${esc(String(summary.interval))}; ${esc(String(summary.time_start))} → ${esc(String(summary.time_end))}</p>`,
  );
  parts.push('<div class="sheets">');
  if (portfolio !== undefined)
    parts.push(
      `<table class="sheet" id="sheet-portfolio"><caption>Portfolio</caption>${figureRows(['portfolio'], portfolio).join('')}</table>`,
    );
  for (const [key, inst] of Object.entries(
    (summary.instruments ?? {}) as Record<string, Record<string, unknown>>,
  ))
    parts.push(
      `<table class="sheet"><caption>${esc(key)}</caption>${figureRows(['instruments', key], inst).join('')}</table>`,
    );
  for (const [key, a] of Object.entries((summary.assets ?? {}) as Record<string, Record<string, unknown>>))
    parts.push(
      `<table class="sheet"><caption>balance ${esc(key)}</caption>${figureRows(['assets', key], a).join('')}</table>`,
    );
  parts.push('</div>');
  return parts.join('\n');
}

/** Green for gains, red for losses, stronger with size (a full colour at `scale`). */
function heat(v: number | null, scale: number): string {
  if (v === null || !Number.isFinite(v) || scale <= 0) return '';
  const a = Math.min(1, Math.abs(v) / scale) * 0.75 + 0.05;
  return v >= 0
    ? `background:rgba(38,166,154,${a.toFixed(3)})`
    : `background:rgba(239,83,80,${a.toFixed(3)})`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthlyTable(model: ReportModel): string {
  const rows = model.monthly.rows;
  if (rows.length === 0) return '<p class="note">no equity records: no monthly returns</p>';
  const all = rows.flatMap((r) => r.months.filter((m): m is number => m !== null));
  const scale = Math.max(...all.map(Math.abs), 1e-12);
  const body = rows
    .map(
      (r) =>
        `<tr><th>${r.year}</th>${r.months
          .map((m) =>
            m === null ? '<td></td>' : `<td data-value="${m}" style="${heat(m, scale)}">${pct(m)}</td>`,
          )
          .join(
            '',
          )}<td class="year" data-value="${r.total}" style="${heat(r.total, scale * 3)}">${pct(r.total)}</td></tr>`,
    )
    .join('');
  return `<table id="monthly" class="monthly"><thead><tr><th></th>${MONTHS.map((m) => `<th>${m}</th>`).join('')}<th>Year</th></tr></thead><tbody>${body}</tbody></table>`;
}

function sweepSection(s: SweepModel): string {
  const parts: string[] = [
    `<h2>Sweep: ${esc(s.objective)} (${s.minimize ? 'lower' : 'higher'} is better)</h2>`,
  ];
  if (s.note !== undefined) parts.push(`<p class="note">${esc(s.note)}</p>`);
  const h = s.heatmap;
  if (h !== undefined) {
    const vals = h.cells.flat().filter((v): v is number => v !== null);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const mid = (lo + hi) / 2;
    const scale = (hi - lo) / 2;
    const head = h.xs.map((x) => `<th>${esc(String(x))}</th>`).join('');
    const body = h.ys
      .map(
        (y, yi) =>
          `<tr><th>${esc(String(y))}</th>${h.xs
            .map((_, xi) => {
              const v = h.cells[yi]![xi]!;
              const good = v === null ? null : s.minimize ? mid - v : v - mid;
              return v === null
                ? '<td class="na">·</td>'
                : `<td data-value="${v}" style="${heat(good, scale)}">${v.toFixed(3)}</td>`;
            })
            .join('')}</tr>`,
      )
      .join('');
    parts.push(
      `<table id="heatmap" class="heatmap"><caption>${esc(s.objective)} by ${esc(h.x)} (across) and ${esc(h.y)} (down)${h.perCell > 1 ? `; each cell the best of up to ${h.perCell} runs over the other parameters` : ''}</caption><thead><tr><th>${esc(h.y)} \\ ${esc(h.x)}</th>${head}</tr></thead><tbody>${body}</tbody></table>`,
    );
  }
  const figs = s.figures;
  const rank = s.ranked
    .map(
      (r, i) =>
        `<tr><td>${r.value === null ? '' : i + 1}</td><td>${esc(String(r.id ?? ''))}</td>${s.parameters
          .map((p) => `<td>${esc(String(r.parameters[p] ?? ''))}</td>`)
          .join(
            '',
          )}${r.error !== undefined ? `<td colspan="${figs.length}" class="na">failed: ${esc(r.error)}</td>` : figs.map((f) => (r.figures[f] === null ? '<td class="na">n/a</td>' : `<td data-value="${r.figures[f]}">${esc(formatFigure(f, r.figures[f]!))}</td>`)).join('')}</tr>`,
    )
    .join('');
  parts.push(
    `<table id="ranking" class="list"><caption>ranking (${s.ranked.length} runs)</caption><thead><tr><th>rank</th><th>run</th>${s.parameters.map((p) => `<th>${esc(p)}</th>`).join('')}${figs.map((f) => `<th>${esc(label(f))}</th>`).join('')}</tr></thead><tbody>${rank}</tbody></table>`,
  );
  if (s.folds.length > 0) {
    const keys = [...new Set(s.folds.flatMap((f) => Object.keys((f.in_sample ?? {}) as object)))];
    const fig = (o: unknown, k: string) => {
      const v = (o as Record<string, unknown> | undefined)?.[k];
      const n =
        typeof v === 'number'
          ? v
          : v !== null && typeof v === 'object'
            ? (v as { value?: unknown }).value
            : null;
      return typeof n === 'number'
        ? `<td data-value="${n}">${esc(formatFigure(k, n))}</td>`
        : '<td class="na">n/a</td>';
    };
    const body = s.folds
      .map(
        (f) =>
          `<tr><td>${esc(String(f.fold ?? ''))}</td><td>${esc(String(f.train_start ?? '').slice(0, 10))} → ${esc(String(f.train_end ?? '').slice(0, 10))}</td><td>${esc(String(f.test_start ?? '').slice(0, 10))} → ${esc(String(f.test_end ?? '').slice(0, 10))}</td><td>${esc(JSON.stringify(f.parameters ?? {}))}</td>${keys.map((k) => fig(f.in_sample, k) + fig(f.out_of_sample, k)).join('')}</tr>`,
      )
      .join('');
    parts.push(
      `<table id="folds" class="list"><caption>walk-forward folds: in-sample (IS) and out-of-sample (OOS)</caption><thead><tr><th>fold</th><th>train</th><th>test</th><th>parameters</th>${keys.map((k) => `<th>${esc(label(k))} IS</th><th>${esc(label(k))} OOS</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`,
    );
  }
  return parts.join('\n');
}

const STYLE = `
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px 24px;color:#1d2433;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e3e6ec;padding-bottom:4px}
.meta,.note{color:#5b6478}.note{font-style:italic}
.sheets{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse}caption{text-align:left;font-weight:600;padding:4px 0}
.sheet th{text-align:left;font-weight:400;color:#5b6478;padding:1px 12px 1px 0;white-space:nowrap}
.sheet td{text-align:right;padding:1px 0;font-variant-numeric:tabular-nums}
td small{color:#8a92a3}.na{color:#8a92a3}.neg{color:#c62828}
.chart{width:100%;height:360px;position:relative}.uchart{width:100%;position:relative}
.row{display:flex;gap:16px}.row>div{flex:1;min-width:0}
.monthly td,.monthly th,.heatmap td,.heatmap th{padding:3px 6px;text-align:right;font-variant-numeric:tabular-nums}
.monthly td.year{font-weight:600}
.list{margin-top:8px}.list th{cursor:pointer;background:#f4f6f9;padding:3px 8px;text-align:right;white-space:nowrap;user-select:none}
.list td{padding:2px 8px;text-align:right;border-top:1px solid #eef0f4;font-variant-numeric:tabular-nums}
.list th.sorted-asc::after{content:" ▲"}.list th.sorted-desc::after{content:" ▼"}
.scroll{max-height:420px;overflow:auto;border:1px solid #eef0f4}.pager{margin:4px 0}.pager button{font:inherit}
.tip{position:absolute;z-index:10;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #c9ced8;border-radius:3px;padding:4px 6px;font-size:12px;display:none;white-space:nowrap}
`;

export function renderPage(p: PageParts): string {
  const m = p.model;
  const body: string[] = [];
  body.push(`<h1>${esc(p.title)}</h1>`);
  body.push(`<p class="meta">from ${esc(p.source)}</p>`);
  for (const n of p.notes) body.push(`<p class="note" data-note>${esc(n)}</p>`);
  if (m !== undefined) {
    body.push('<h2>Tear sheet</h2>', tearSheet(m.summary));
    body.push(
      '<h2>Equity</h2>',
      `<p class="meta">${m.equity.points.toLocaleString('en-US')} equity points${m.equity.t.length < m.equity.points ? `, drawn as ${m.equity.t.length.toLocaleString('en-US')} (min and max per bucket)` : ''}; the ${m.equity.shaded.length} deepest drawdown periods shaded; the underwater curve below</p>`,
      '<div id="equity" class="chart" data-chart></div>',
      '<div id="underwater" class="uchart" data-height="180" data-chart></div>',
    );
    m.instruments.forEach((inst, i) => {
      body.push(`<h2>${esc(inst.key)}</h2>`);
      if (inst.kind === 'none')
        body.push(
          `<p class="note" data-note>no market records for ${esc(inst.key)} in the input: no price chart (pass the data the backtest ran on, with --market FILE)</p>`,
        );
      else {
        const drawn = inst.candles?.t.length ?? inst.line?.t.length ?? 0;
        body.push(
          `<p class="meta">${inst.points.toLocaleString('en-US')} ${inst.kind === 'candles' ? 'candles' : 'prices'}${drawn < inst.points ? `, drawn as ${drawn.toLocaleString('en-US')} (${inst.kind === 'candles' ? 'merged per bucket' : 'min and max per bucket'})` : ''}; ${inst.fills.t.length.toLocaleString('en-US')} fills${inst.markersAggregated ? ', marked once per bar and side' : ''}; the position below</p>`,
        );
        if (inst.fills.t.length === 0)
          body.push(
            `<p class="note" data-note>no fills for ${esc(inst.key)}: the strategy did not trade</p>`,
          );
        body.push(`<div id="price-${i}" class="chart" data-chart></div>`);
      }
      body.push(
        `<h3>Closed trades (${inst.trades.pnl.length.toLocaleString('en-US')})</h3>`,
        `<div class="scroll"><table id="trades-${i}" class="list trades"><thead><tr><th data-col="n">#</th><th data-col="side">side</th><th data-col="amount">amount</th><th data-col="entryTime">entry</th><th data-col="entryPrice">entry price</th><th data-col="exitTime">exit</th><th data-col="exitPrice">exit price</th><th data-col="pnl">PnL</th><th data-col="fees">fees</th><th data-col="duration">duration</th></tr></thead><tbody></tbody></table></div>`,
      );
    });
    body.push('<h2>Monthly returns</h2>', monthlyTable(m));
    body.push(
      `<h2>Returns per ${esc(m.returns.period)} (${m.returns.count.toLocaleString('en-US')})</h2>`,
      m.returns.distribution === null
        ? '<p class="note" data-note>fewer than 2 returns: no distribution</p>'
        : '<div class="row"><div><div id="histogram" class="uchart" data-chart></div></div><div><div id="qq" class="uchart" data-chart></div></div></div>',
      `<h2>Rolling Sharpe ratio and volatility (${m.rolling.window} ${esc(m.returns.period)} returns, per ${esc(m.rolling.interval)})</h2>`,
      m.rolling.t.length === 0
        ? `<p class="note" data-note>fewer than ${m.rolling.window} returns: no rolling figures (--window)</p>`
        : '<div id="rolling" class="uchart" data-chart></div>',
    );
  }
  if (p.sweep !== undefined) body.push(sweepSection(p.sweep));
  const data = { model: m ?? null };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(p.title)}</title>`,
    ...p.assets.styles.map((s) => `<style>${s.replace(/<\/style/gi, '<\\/style')}</style>`),
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    `<script id="report-data" type="application/json">${scriptJson(data)}</script>`,
    ...p.assets.scripts.map((s) => `<script>${inlineScript(s)}</script>`),
    `<script>${inlineScript(p.assets.client)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
