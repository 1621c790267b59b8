/**
 * `report`: a backtest's output (or a sweep's) as one self-contained HTML page. One pass collects
 * the series and hands the account records to summarize's own Summarizer, so the tear sheet's
 * figures are summarize's; the page is then assembled with the chart libraries inlined.
 * docs/report.md describes the page, the reductions for drawing and the sweep record shapes.
 */

import { DataError } from '../errors.js';
import { TypeCounts } from '../io/count.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import type { StatInterval } from '../stats/interval.js';
import { Summarizer } from '../stats/summary.js';
import { chartAssets } from './assets.js';
import { CLIENT_JS } from './client.js';
import { ReportCollector } from './collect.js';
import { renderPage } from './html.js';
import { buildModel } from './model.js';
import { buildSweep, type SweepOptions } from './sweep.js';

export interface ReportOptions {
  readonly interval: StatInterval;
  readonly period: StatInterval;
  readonly riskFree: number;
  readonly minPeriods?: number;
  /** Returns per rolling window (default 63). */
  readonly window?: number;
  /** Buckets long series are reduced to for drawing (default 2000). */
  readonly buckets?: number;
  readonly sweep?: SweepOptions;
  /** Input name for messages and the page. */
  readonly source?: string;
}

export interface Report {
  readonly html: string;
  /** What the page says about its input (also for stderr): reductions, missing parts. */
  readonly notes: string[];
  readonly counts: { equity: number; trades: number; fills: number; instruments: number; sweepRuns: number };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Builds the report of `input` (and of `market`, the market records the run was made on, read first).
 * Resolves to undefined for an input with no records at all; throws a DataError when there are
 * records but none a backtest or a sweep writes.
 */
export async function buildReport(
  input: RecordStream,
  options: ReportOptions,
  market?: RecordStream,
): Promise<Report | undefined> {
  const source = options.source ?? 'input';
  const summarizer = new Summarizer({
    interval: options.interval,
    period: options.period,
    riskFree: options.riskFree,
    source,
    ...(options.minPeriods === undefined ? {} : { minPeriods: options.minPeriods }),
  });
  const collector = new ReportCollector(summarizer, source);
  const sink: WireRecord[] = [];
  if (market !== undefined) for await (const batch of market) for (const r of batch) collector.push(r, sink);
  const counts = new TypeCounts();
  for await (const batch of input)
    for (const r of batch) {
      counts.add(r);
      collector.push(r, sink);
    }
  const computed: WireRecord[] = [];
  collector.finish(computed);
  if (collector.records === 0) return undefined;
  const sw = collector.sweep;
  const hasSweep = sw.runs.length > 0 || sw.folds.length > 0 || sw.summary !== undefined;
  if (collector.accountRecords === 0 && !hasSweep)
    throw new DataError(
      source,
      `no account records (equity, fill, position, order, balance) or sweep records in the input (found ${counts.describe()}): report draws what backtest writes, for example \`tickpipe backtest candles.ndjson --strategy sma-cross | tickpipe report --market candles.ndjson -o report.html\``,
    );
  const notes: string[] = [];
  let model: ReturnType<typeof buildModel> | undefined;
  if (collector.accountRecords > 0) {
    const summary = collector.inputSummary ?? computed[computed.length - 1]!;
    if (collector.inputSummary !== undefined)
      notes.push(
        `the tear sheet is the input's own summary record (ratios per ${String(summary.interval)}, returns per ${String(summary.period)})`,
      );
    model = buildModel(collector, summary, {
      interval: options.interval,
      period: options.period,
      riskFree: options.riskFree,
      ...(options.window === undefined ? {} : { window: options.window }),
      ...(options.buckets === undefined ? {} : { buckets: options.buckets }),
    });
    for (const i of model.instruments)
      if (i.tradesFromFills)
        notes.push(
          `${i.key}: no position records, so the closed trades are rebuilt from the fills (backtest's accounting)`,
        );
    const fills = sum(model.instruments.map((i) => i.fills.t.length));
    if (fills === 0) notes.push('no fills: the strategy did not trade in this run');
    if (collector.marketRecords === 0)
      notes.push(
        'no market records in the input: no price charts (give the data the backtest ran on with --market FILE)',
      );
    if (model.equity.points === 0) notes.push('no equity records: no equity curve, returns or monthly table');
  }
  const sweep = hasSweep ? buildSweep(sw.runs, sw.summary, sw.folds, options.sweep ?? {}) : undefined;
  const s = model?.summary;
  const strategy = typeof s?.strategy === 'string' ? `${s.strategy} ` : '';
  const title =
    s !== undefined
      ? `tickpipe report: ${strategy}${String(s.time_start).slice(0, 10)} → ${String(s.time_end).slice(0, 10)}`
      : `tickpipe report: sweep of ${sw.runs.length} runs`;
  const assets = chartAssets();
  const html = renderPage({
    title,
    source,
    notes,
    ...(model === undefined ? {} : { model }),
    ...(sweep === undefined ? {} : { sweep }),
    assets: { scripts: assets.scripts, styles: assets.styles, client: CLIENT_JS },
  });
  return {
    html,
    notes,
    counts: {
      equity: model?.equity.points ?? 0,
      trades: sum(model?.instruments.map((i) => i.trades.pnl.length) ?? []),
      fills: sum(model?.instruments.map((i) => i.fills.t.length) ?? []),
      instruments: model?.instruments.length ?? 0,
      sweepRuns: sw.runs.length,
    },
  };
}
