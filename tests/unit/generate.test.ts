import { describe, expect, it } from 'vitest';
import { type GenerateOptions, Grid, generate } from '../../src/core/generate/generate.js';
import { Rng } from '../../src/core/generate/random.js';
import { collect } from '../../src/core/io/stream.js';
import { parseInterval } from '../../src/core/records/interval.js';
import { serialize, type WireRecord } from '../../src/core/records/record.js';
import { parseCanonicalTime } from '../../src/core/records/time.js';
import { RecordValidator } from '../../src/core/records/validate.js';

const base: GenerateOptions = {
  kind: 'candles',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  interval: parseInterval('1m')!,
  fromUs: Date.UTC(2024, 0, 1) * 1000,
  count: 2000,
  seed: 42,
  price: 42000,
  volatility: 0.6,
  drift: 0,
  tickSize: 0.01,
  lotSize: 0.00001,
  jumpsPerDay: 0,
  jumpSize: 0.02,
  regimes: [],
  regimeMeanUs: 86400e6,
  rate: 10,
  dailyNotional: 1e9,
  depth: 20,
  maxLevelsPerUpdate: 10,
};

const gen = (o: Partial<GenerateOptions>) => collect(generate({ ...base, ...o }));
const text = (recs: WireRecord[]) => recs.map(serialize).join('\n');

function logReturnStd(closes: number[]): number {
  const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  return Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
}

describe('generate', () => {
  it.each(['candles', 'trades', 'quotes', 'book'] as const)(
    '%s: the same seed gives the same bytes, another seed others',
    async (kind) => {
      const a = text(await gen({ kind, count: 300 }));
      expect(text(await gen({ kind, count: 300 }))).toBe(a);
      expect(text(await gen({ kind, count: 300, seed: 43 }))).not.toBe(a);
    },
  );

  it.each(['candles', 'trades', 'quotes', 'book'] as const)(
    '%s: the prebuilt text is the JSON of the record, and valid',
    async (kind) => {
      const v = new RecordValidator();
      for (const r of await gen({ kind, count: 500 })) {
        expect(JSON.parse(serialize(r))).toEqual(JSON.parse(JSON.stringify({ ...r })));
        expect(v.check(r)).toBeUndefined();
      }
    },
  );

  it('candles are consistent, contiguous, on the tick grid, and stamped at their close', async () => {
    const candles = await gen({ count: 20_000, jumpsPerDay: 20, regimes: [0.2, 2.5], regimeMeanUs: 3600e6 });
    let prevClose: number | undefined;
    candles.forEach((c, i) => {
      const { open, high, low, close } = c as unknown as Record<string, number>;
      expect(low).toBeLessThanOrEqual(Math.min(open!, close!));
      expect(high).toBeGreaterThanOrEqual(Math.max(open!, close!));
      for (const p of [open!, high!, low!, close!]) expect(String(p)).toMatch(/^\d+(\.\d{1,2})?$/);
      if (prevClose !== undefined) expect(open).toBe(prevClose);
      prevClose = close;
      expect(parseCanonicalTime(c.open_time as string)).toBe(base.fromUs + i * 60e6);
      expect(parseCanonicalTime(c.time as string)).toBe(base.fromUs + (i + 1) * 60e6);
    });
  });

  it('realised volatility matches the annualised volatility asked for (GBM, no jumps)', async () => {
    const candles = await gen({ count: 50_000, volatility: 0.6, tickSize: 0.0001, price: 1000 });
    const perMinute = logReturnStd(candles.map((c) => c.close as number));
    const annualised = perMinute * Math.sqrt(365 * 1440);
    expect(annualised).toBeGreaterThan(0.6 * 0.97);
    expect(annualised).toBeLessThan(0.6 * 1.03);
  });

  it('jumps fatten the tails: kurtosis well above the normal 3', async () => {
    const kurtosis = (closes: number[]) => {
      const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
      const m = r.reduce((a, b) => a + b, 0) / r.length;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
      return r.reduce((a, b) => a + (b - m) ** 4, 0) / r.length / (v * v);
    };
    const plain = await gen({ count: 20_000, tickSize: 0.0001, price: 1000 });
    const jumpy = await gen({
      count: 20_000,
      tickSize: 0.0001,
      price: 1000,
      jumpsPerDay: 10,
      jumpSize: 0.01,
    });
    expect(kurtosis(plain.map((c) => c.close as number))).toBeLessThan(3.3);
    expect(kurtosis(jumpy.map((c) => c.close as number))).toBeGreaterThan(6);
  });

  it('trades have rising ids, non-decreasing times and positive amounts on the lot grid', async () => {
    const trades = await gen({ kind: 'trades', count: 5000 });
    trades.forEach((t, i) => {
      expect(t.id).toBe(i + 1);
      expect(t.amount as number).toBeGreaterThan(0);
      if (i > 0)
        expect(parseCanonicalTime(t.time as string)).toBeGreaterThanOrEqual(
          parseCanonicalTime(trades[i - 1]!.time as string),
        );
    });
  });

  it('quotes are never crossed', async () => {
    for (const q of await gen({ kind: 'quotes', count: 5000 }))
      expect(q.bid_price as number).toBeLessThan(q.ask_price as number);
  });

  it('books: a snapshot, then deltas that chain by sequence and never cross the rebuilt book', async () => {
    const records = await gen({ kind: 'book', count: 5000, depth: 30, maxLevelsPerUpdate: 20 });
    expect(records[0]).toMatchObject({ snapshot: true, sequence: 1 });
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const apply = (side: Map<number, number>, levels: [number, number][]) => {
      for (const [p, a] of levels) {
        if (a === 0) side.delete(p);
        else side.set(p, a);
      }
    };
    let last = 0;
    for (const r of records) {
      if (r.snapshot !== true) {
        expect(r.first_sequence).toBe(last + 1);
        expect(r.prev_sequence).toBe(last);
        expect(r.sequence as number).toBeGreaterThanOrEqual(r.first_sequence as number);
        const changed = (r.bids as unknown[]).length + (r.asks as unknown[]).length;
        expect(changed).toBeGreaterThanOrEqual(1);
      }
      last = r.sequence as number;
      apply(bids, r.bids as [number, number][]);
      apply(asks, r.asks as [number, number][]);
      expect(Math.max(...bids.keys())).toBeLessThan(Math.min(...asks.keys()));
      expect(bids.size).toBe(30);
      expect(asks.size).toBe(30);
    }
  });

  it('refuses impossible options', async () => {
    await expect(gen({ price: -1 })).rejects.toThrow('--price must be positive');
    await expect(gen({ kind: 'book', price: 0.05, depth: 50 })).rejects.toThrow('too low for a book');
  });
});

describe('Grid and Rng', () => {
  it('writes grid values as exact decimals', () => {
    const g = new Grid(0.01);
    expect(g.value(4200001)).toBe(42000.01);
    expect(String(g.value(g.index(0.1 + 0.2)))).toBe('0.3');
    expect(String(new Grid(0.00001).value(123))).toBe('0.00123');
    expect(new Grid(0.05).value(3)).toBe(0.15);
  });
  it('draws standard normals with mean 0 and variance 1', () => {
    const rng = new Rng(7);
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
  });
});
