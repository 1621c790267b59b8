/**
 * The report's data: what the page draws, computed from the collected input, reduced for drawing and
 * small enough to inline as JSON. Times are seconds since the epoch (what the chart libraries take).
 */

import type { WireRecord } from '../records/record.js';
import type { StatInterval } from '../stats/interval.js';
import {
  type Distribution,
  distribution,
  type MonthlyTable,
  monthlyReturns,
  periodReturns,
  type Rolling,
  rolling,
  underwater,
} from './analysis.js';
import type { InstrumentData, ReportCollector } from './collect.js';
import { bucketOf, mergeCandles, minMaxBuckets } from './downsample.js';

export interface ModelOptions {
  readonly period: StatInterval;
  readonly interval: StatInterval;
  readonly riskFree: number;
  /** Returns in each rolling window (default 63 periods: a quarter of trading days). */
  readonly window?: number;
  /** Buckets a long series is cut to for drawing (default 2000). */
  readonly buckets?: number;
  /** Fills drawn one marker each up to this many; beyond it, one marker per bar and side (default 1000). */
  readonly maxMarkers?: number;
}

const sec = (us: number) => us / 1e6;

export interface InstrumentModel {
  readonly key: string;
  readonly kind: 'candles' | 'line' | 'none';
  /** Price points in the file, and drawn. */
  readonly points: number;
  readonly candles?: { t: number[]; o: number[]; h: number[]; l: number[]; c: number[] };
  readonly line?: { t: number[]; v: number[] };
  /** Every fill, columnar; `bar` is the drawn bar each falls in. */
  readonly fills: {
    t: number[];
    side: string[];
    price: number[];
    amount: number[];
    fee: number[];
    bar: number[];
  };
  readonly markers: Array<{ time: number; side: 'buy' | 'sell'; count: number }>;
  readonly markersAggregated: boolean;
  /** True when the trade list was rebuilt from fills (the input had no position records). */
  readonly tradesFromFills: boolean;
  readonly position: { t: number[]; v: number[] };
  /** Closed positions, columnar: side, amount, entry and exit time (s) and price, PnL, fees. */
  readonly trades: {
    side: string[];
    amount: number[];
    entryTime: number[];
    entryPrice: number[];
    exitTime: number[];
    exitPrice: Array<number | null>;
    pnl: number[];
    fees: number[];
  };
}

export interface ReportModel {
  readonly summary: WireRecord;
  readonly equity: {
    points: number;
    t: number[];
    v: number[];
    underwater: { t: number[]; v: number[] };
    shaded: Array<{ from: number; to: number; depth: number }>;
  };
  readonly returns: { period: string; count: number; distribution: Distribution | null };
  readonly rolling: Rolling & { interval: string };
  readonly monthly: MonthlyTable;
  readonly instruments: InstrumentModel[];
}

export function buildModel(c: ReportCollector, summary: WireRecord, options: ModelOptions): ReportModel {
  const buckets = options.buckets ?? 2000;
  const eq = c.equity;
  const n = eq.t.length;
  const te = eq.t.data;
  const ve = eq.v.data;
  const drawn = minMaxBuckets(te, ve, buckets, n);
  const uw = underwater(te, ve, n);
  const uwDrawn = minMaxBuckets(te, uw.depth, buckets, n);
  const returns = periodReturns(te, ve, n, options.period);
  const dist = distribution(returns.r);
  const roll = rolling(returns, options.window ?? 63, options.riskFree, options.period, options.interval);
  return {
    summary,
    equity: {
      points: n,
      t: drawn.t.map(sec),
      v: drawn.v,
      underwater: { t: uwDrawn.t.map(sec), v: uwDrawn.v },
      shaded: uw.periods.map((p) => ({ from: sec(p.timeStart), to: sec(p.timeEnd), depth: p.value })),
    },
    returns: { period: options.period.name, count: returns.r.length, distribution: dist ?? null },
    rolling: { ...roll, t: roll.t.map(sec), interval: options.interval.name },
    monthly: monthlyReturns(te, ve, n),
    instruments: [...c.instruments.values()].map((i) =>
      instrumentModel(i, buckets, options.maxMarkers ?? 1000),
    ),
  };
}

function instrumentModel(inst: InstrumentData, buckets: number, maxMarkers: number): InstrumentModel {
  const n = inst.t.length;
  let barTimes: number[] = [];
  let candles: InstrumentModel['candles'];
  let line: InstrumentModel['line'];
  if (inst.kind === 'candles') {
    const m = mergeCandles(
      inst.t.data,
      inst.open.data,
      inst.high.data,
      inst.low.data,
      inst.close.data,
      n,
      buckets,
    );
    barTimes = m.t;
    candles = { t: m.t.map(sec), o: m.open, h: m.high, l: m.low, c: m.close };
  } else if (inst.kind === 'line') {
    const m = minMaxBuckets(inst.t.data, inst.close.data, buckets, n);
    barTimes = m.t;
    line = { t: m.t.map(sec), v: m.v };
  }
  const fills = inst.fills;
  const bar = fills.map((f) => (barTimes.length === 0 ? -1 : bucketOf(barTimes, f.t)));
  const aggregated = fills.length > maxMarkers;
  const markers: InstrumentModel['markers'] = [];
  if (barTimes.length > 0) {
    if (!aggregated) {
      fills.forEach((f, i) => {
        markers.push({ time: sec(barTimes[bar[i]!]!), side: f.side, count: 1 });
      });
    } else {
      const counts = new Map<string, { time: number; side: 'buy' | 'sell'; count: number }>();
      fills.forEach((f, i) => {
        const k = `${bar[i]}:${f.side}`;
        const m = counts.get(k);
        if (m === undefined) counts.set(k, { time: sec(barTimes[bar[i]!]!), side: f.side, count: 1 });
        else m.count++;
      });
      markers.push(...counts.values());
    }
  }
  const pos = positionAtBars(inst, barTimes);
  const trades = inst.closedTrades;
  return {
    key: inst.key,
    kind: inst.kind,
    points: n,
    ...(candles === undefined ? {} : { candles }),
    ...(line === undefined ? {} : { line }),
    fills: {
      t: fills.map((f) => sec(f.t)),
      side: fills.map((f) => f.side),
      price: fills.map((f) => f.price),
      amount: fills.map((f) => f.amount),
      fee: fills.map((f) => f.fee),
      bar,
    },
    markers,
    markersAggregated: aggregated,
    tradesFromFills: inst.positionRecords === 0 && inst.fills.length > 0,
    position: { t: barTimes.map(sec), v: pos },
    trades: {
      side: trades.map((x) => x.side),
      amount: trades.map((x) => x.amount),
      entryTime: trades.map((x) => sec(x.entryTime)),
      entryPrice: trades.map((x) => x.entryPrice),
      exitTime: trades.map((x) => sec(x.exitTime)),
      exitPrice: trades.map((x) => x.exitPrice),
      pnl: trades.map((x) => x.pnl),
      fees: trades.map((x) => x.fees),
    },
  };
}

/** The position held at the end of each drawn bar (after the last fill before the next bar opens). */
function positionAtBars(inst: InstrumentData, barTimes: readonly number[]): number[] {
  const pt = inst.position.t;
  const pv = inst.position.v;
  const out: number[] = [];
  let j = 0;
  let held = 0;
  for (let i = 0; i < barTimes.length; i++) {
    const next = i + 1 < barTimes.length ? barTimes[i + 1]! : Number.POSITIVE_INFINITY;
    while (j < pt.length && pt.get(j) < next) held = pv.get(j++);
    out.push(held);
  }
  return out;
}
