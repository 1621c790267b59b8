/** Real engine parts wired together for unit tests of one module (no mocks: the real desk, recorder, balances). */

import {
  type BacktestConfig,
  DEFAULT_CONFIG,
  type InstrumentConfig,
} from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import type { TimeInForce } from '../../src/core/backtest/strategy.js';
import { Clock } from '../../src/core/engine/clock.js';
import { FillDesk } from '../../src/core/engine/fills.js';
import { Recorder } from '../../src/core/engine/records.js';
import { newReport } from '../../src/core/engine/report.js';
import { type Instrument, newInstrument } from '../../src/core/market/instrument.js';
import type { Order, OrderKind, Side } from '../../src/core/orders/order.js';
import { OrderDesk } from '../../src/core/orders/orders.js';
import { Balances } from '../../src/core/portfolio/balances.js';
import { Fees } from '../../src/core/portfolio/fees.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { KellyStats } from '../../src/core/sizing/sizing.js';

export const SPOT: InstrumentConfig = {
  exchange: 'x',
  symbol: 'BTCUSDT',
  base: 'btc',
  quote: 'usdt',
  kind: 'spot',
};

export function parts(patch: (c: BacktestConfig) => void = () => {}, ic: InstrumentConfig = SPOT) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  patch(cfg);
  const clock = new Clock();
  clock.advance(1_000_000, '1970-01-01T00:00:01.000Z', 'ms');
  const report = newReport();
  const rec = new Recorder(clock, 't', report);
  const out: WireRecord[] = [];
  rec.out = out;
  const balances = new Balances();
  balances.of('x', 'usdt').set(dec(10_000));
  const fees = new Fees(cfg.execution);
  const orders = new OrderDesk(clock, rec, report, Math.round(cfg.execution.latency_ms * 1000));
  const fills = new FillDesk(clock, cfg, balances, fees, orders, rec, report, new KellyStats(), undefined);
  const inst: Instrument = newInstrument(ic, 't');
  /** An order on `inst`, submitted and (without latency) activated as placement does; no reservation. */
  const order = (
    side: Side,
    kind: OrderKind,
    price: number | undefined,
    amount: number,
    tif: TimeInForce = 'gtc',
    postOnly = false,
  ): Order => {
    const o = orders.create({
      inst,
      side,
      kind,
      price,
      amount: dec(amount),
      tif,
      postOnly,
      reduceOnly: false,
      tag: undefined,
    });
    orders.add(o);
    orders.transition(o, 'submit', undefined);
    if (o.liveUs <= clock.us) orders.activate(o);
    return o;
  };
  const of = (type: string) => out.filter((r) => r.type === type);
  return { cfg, clock, report, rec, out, balances, fees, orders, fills, inst, order, of };
}

/** A candle of `minutes` minutes (default 1) opening at `openMs` (epoch milliseconds); its `time` is its close. */
export function candleAt(
  symbol: string,
  openMs: number,
  prices: { open: number; high: number; low: number; close: number },
  exchange = 'x',
  minutes = 1,
): WireRecord {
  return {
    type: 'candle',
    time: new Date(openMs + minutes * 60_000).toISOString(),
    exchange,
    symbol,
    interval: `${minutes}m`,
    open_time: new Date(openMs).toISOString(),
    ...prices,
    volume: 1,
  };
}
