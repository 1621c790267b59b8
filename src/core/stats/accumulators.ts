import { DrawdownStats, DrawdownTracker } from './drawdown.js';
import type { StatInterval } from './interval.js';
import { DownsideDeviation } from './metrics.js';
import { Sum, Welford } from './welford.js';

/** The equity curve at bounded resolution: when full, every other point is dropped and the stride doubles. */
export class Curve {
  readonly points: number[] = [];
  private stride = 1;
  private skipped = 0;

  constructor(private readonly max: number) {}

  add(v: number): void {
    if (++this.skipped < this.stride) {
      this.points[this.points.length - 1] = v;
      return;
    }
    this.skipped = 0;
    this.points.push(v);
    if (this.points.length >= this.max * 2) {
      for (let i = 0; i < this.max; i++) this.points[i] = this.points[2 * i + 1]!;
      this.points.length = this.max;
      this.stride *= 2;
    }
  }
}

export interface Extreme {
  value: number;
  time: number;
}

/** The equity curve: returns per period, drawdowns over every point. */
export class Portfolio {
  asset: string | undefined;
  start = Number.NaN;
  startTime = 0;
  last = Number.NaN;
  lastTime = 0;
  readonly tracker = new DrawdownTracker();
  readonly drawdowns = new DrawdownStats();
  readonly returns = new Welford();
  readonly down: DownsideDeviation;
  best: Extreme | undefined;
  worst: Extreme | undefined;
  /** Index of the period the last point fell in: period k is (k-1)P < t <= kP. */
  private bucket = Number.NaN;
  private prevClose = Number.NaN;
  readonly curve: Curve;

  constructor(
    private readonly period: StatInterval,
    rfPerPeriod: number,
    curvePoints: number,
  ) {
    this.down = new DownsideDeviation(rfPerPeriod);
    this.curve = new Curve(curvePoints);
  }

  add(value: number, t: number): void {
    if (Number.isNaN(this.start)) {
      this.start = value;
      this.startTime = t;
      this.prevClose = value;
    }
    const k = Math.ceil(t / this.period.us);
    if (k !== this.bucket && !Number.isNaN(this.bucket)) this.closePeriod(this.returns, this.down, true);
    this.bucket = k;
    this.last = value;
    this.lastTime = t;
    const done = this.tracker.update(value, t);
    if (done !== undefined) this.drawdowns.add(done);
    this.curve.add(value);
  }

  /** Closes the period in progress into the given accumulators (copies, for a snapshot). */
  private closePeriod(returns: Welford, down: DownsideDeviation, commit: boolean): Extreme[] {
    if (!(this.prevClose > 0)) {
      if (commit) this.prevClose = this.last;
      return [];
    }
    const r = this.last / this.prevClose - 1;
    returns.update(r);
    down.update(r);
    const time = this.bucket * this.period.us;
    if (commit) {
      this.prevClose = this.last;
      if (this.best === undefined || r > this.best.value) this.best = { value: r, time };
      if (this.worst === undefined || r < this.worst.value) this.worst = { value: r, time };
    }
    return [{ value: r, time }];
  }

  /** Return statistics including the period still in progress. */
  snapshot(): { returns: Welford; down: DownsideDeviation; best?: Extreme; worst?: Extreme } {
    const returns = Object.assign(new Welford(), this.returns);
    const down = this.down.clone();
    let best = this.best;
    let worst = this.worst;
    if (!Number.isNaN(this.bucket)) {
      for (const e of this.closePeriod(returns, down, false)) {
        if (best === undefined || e.value > best.value) best = e;
        if (worst === undefined || e.value < worst.value) worst = e;
      }
    }
    return { returns, down, ...(best ? { best } : {}), ...(worst ? { worst } : {}) };
  }
}

/** One instrument's tear sheet in the making. */
export class Instrument {
  trades = 0;
  wins = 0;
  losses = 0;
  readonly pnl = new Sum();
  readonly grossProfit = new Sum();
  readonly grossLoss = new Sum();
  largestWin: number | undefined;
  largestLoss: number | undefined;
  readonly holding = new Sum();
  /** Per-position returns, r = pnl / entry notional. */
  readonly rets = new Welford();
  /** Per-position excess returns over the risk-free return for the holding time. */
  readonly excess = new Welford();
  readonly down = new DownsideDeviation(0);
  /** The compounded curve of per-position returns, from 1. */
  private wealth = 1;
  readonly tracker = new DrawdownTracker();
  readonly drawdowns = new DrawdownStats();
  readonly fees = new Sum();
  readonly volume = new Sum();
  readonly funding = new Sum();
  fills = 0;
  orders = 0;
  rejected = 0;
  cancelled = 0;
  expired = 0;
  inMarket = 0;
  openSince: number | undefined;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    firstTime: number,
  ) {
    this.tracker.update(1, firstTime);
  }

  close(pnl: number, r: number, excess: number, timeOpen: number, timeClose: number): void {
    this.trades++;
    this.pnl.add(pnl);
    if (pnl > 0) {
      this.wins++;
      this.grossProfit.add(pnl);
      if (this.largestWin === undefined || pnl > this.largestWin) this.largestWin = pnl;
    } else if (pnl < 0) {
      this.losses++;
      this.grossLoss.add(-pnl);
      if (this.largestLoss === undefined || pnl < this.largestLoss) this.largestLoss = pnl;
    }
    this.holding.add(timeClose - timeOpen);
    this.rets.update(r);
    this.excess.update(excess);
    this.down.update(excess);
    this.wealth = Math.max(0, this.wealth * (1 + r));
    const done = this.tracker.update(this.wealth, timeClose);
    if (done !== undefined) this.drawdowns.add(done);
    this.inMarket += timeClose - Math.min(timeOpen, this.openSince ?? timeOpen);
    this.openSince = undefined;
  }
}

export interface AssetBalances {
  start: { total: number; free: number };
  end: { total: number; free: number };
  readonly tracker: DrawdownTracker;
  readonly drawdowns: DrawdownStats;
}
