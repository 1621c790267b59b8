import { describe, expect, it } from 'vitest';
import type { WireRecord } from '../../src/core/records/record.js';
import { RecordValidator } from '../../src/core/records/validate.js';

const candle = {
  type: 'candle',
  time: '2024-01-01T00:01:00.000Z',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: '2024-01-01T00:00:00.000Z',
  open: 42000,
  high: 42010,
  low: 41990,
  close: 42005,
  volume: 1.5,
};
const trade = {
  type: 'trade',
  time: '2024-01-01T00:00:00.000Z',
  exchange: 'x',
  symbol: 'S',
  id: 7,
  price: 1,
  amount: 2,
  side: 'buy',
};
const quote = {
  type: 'quote',
  time: '2024-01-01T00:00:00.000Z',
  exchange: 'x',
  symbol: 'S',
  bid_price: 1,
  bid_amount: 0,
  ask_price: 2,
  ask_amount: 1,
};
const book = {
  type: 'book',
  time: '2024-01-01T00:00:00.000Z',
  exchange: 'x',
  symbol: 'S',
  snapshot: true,
  bids: [[1, 2]],
  asks: [[3, 4]],
  sequence: 10,
};

function check(rec: object): [string | undefined, WireRecord] {
  const v = new RecordValidator();
  const problem = v.check(rec as WireRecord);
  return [problem, v.record];
}

describe('RecordValidator', () => {
  it.each([
    ['a canonical candle', candle],
    ['a trade with a string id', { ...trade, id: 'a-uuid' }],
    ['a quote with an empty bid', quote],
    ['a book snapshot', book],
    [
      'a funding record with a negative rate',
      { type: 'funding', time: candle.time, exchange: 'x', symbol: 'S', rate: -0.0001 },
    ],
    [
      'an instrument',
      {
        type: 'instrument',
        exchange: 'x',
        symbol: 'S',
        base: 'b',
        quote: 'q',
        kind: 'spot',
        tick_size: 0.01,
        lot_size: 0.001,
        min_notional: 5,
      },
    ],
    ['a disconnect', { type: 'disconnect', time: candle.time, exchange: 'x' }],
    ['an unknown type', { type: 'my_signal', anything: [1, 2] }],
  ])('accepts %s unchanged', (_name, rec) => {
    const [problem, out] = check(rec);
    expect(problem).toBeUndefined();
    expect(out).toBe(rec);
  });

  it.each([
    ['a text price', { ...trade, price: 'abc' }, 'expected a positive number for "price", found "abc"'],
    ['a zero price', { ...trade, price: 0 }, 'expected a positive number for "price", found 0'],
    [
      'a negative amount',
      { ...quote, ask_amount: -1 },
      'expected a non-negative number for "ask_amount", found -1',
    ],
    ['an unknown side', { ...trade, side: 'BUY' }, 'expected "buy" or "sell" for "side", found "BUY"'],
    [
      'a missing symbol',
      { ...trade, symbol: undefined },
      'expected a non-empty string for "symbol", found nothing',
    ],
    [
      'a bad time',
      { ...trade, time: '2024-13-01' },
      'expected an ISO-8601 time or epoch milliseconds/microseconds for "time", found "2024-13-01"',
    ],
    [
      'a bad interval',
      { ...candle, interval: '7x' },
      'expected an interval such as "1m", "1h" or "1d" for "interval", found "7x"',
    ],
    ['fractional trades', { ...candle, trades: 1.5 }, 'expected a whole number for "trades", found 1.5'],
    [
      'an infinite rate',
      { type: 'funding', time: candle.time, exchange: 'x', symbol: 'S', rate: '1e999' },
      'expected a number for "rate", found "1e999"',
    ],
    [
      'a book level that is not a pair',
      { ...book, bids: [[1]] },
      'expected a [price, amount] pair for "bids[0]", found [1]',
    ],
    [
      'a negative book amount',
      { ...book, asks: [[3, -4]] },
      'expected a non-negative amount for "asks[0]", found -4',
    ],
    [
      'a fractional sequence',
      { ...book, sequence: 1.5 },
      'expected a whole number (0 to 2^53-1) for "sequence", found 1.5',
    ],
    [
      'a sequence of 1e20 (not a safe integer: compared as a float it would swallow every later one)',
      { ...book, sequence: 1e20 },
      'expected a whole number (0 to 2^53-1) for "sequence", found 100000000000000000000',
    ],
    [
      'a first_sequence of 2^53',
      { ...book, first_sequence: 2 ** 53 },
      'expected a whole number (0 to 2^53-1) for "first_sequence", found 9007199254740992',
    ],
    [
      'a trade id of 2^53 (not exact in a double)',
      { ...trade, id: 2 ** 53 },
      'expected a non-empty string or a whole number from -(2^53-1) to 2^53-1 for "id", found 9007199254740992',
    ],
    [
      'a price of 1e300 (out of the documented range)',
      { ...trade, price: 1e300 },
      'expected a positive number from 1e-18 to 1e18 for "price", found 1e+300',
    ],
    [
      'a price of 1e-300',
      { ...trade, price: 1e-300 },
      'expected a positive number from 1e-18 to 1e18 for "price", found 1e-300',
    ],
    [
      'a time in the year 2286 (far future)',
      { ...trade, time: '2286-11-20T17:46:40.000Z' },
      'expected a time from 1970-01-01 to before 2100-01-01 for "time", found "2286-11-20T17:46:40.000Z"',
    ],
    [
      'an epoch time (µs) in the year 2286',
      { ...trade, time: 1e16 },
      'expected a time from 1970-01-01 to before 2100-01-01 for "time", found 10000000000000000',
    ],
    [
      'an unknown instrument kind',
      {
        type: 'instrument',
        exchange: 'x',
        symbol: 'S',
        base: 'b',
        quote: 'q',
        kind: 'swap',
        tick_size: 1,
        lot_size: 1,
        min_notional: 0,
      },
      'expected "spot", "perpetual" or "future" for "kind", found "swap"',
    ],
  ])('refuses %s', (_name, rec, message) => {
    expect(check(rec)[0]).toBe(message);
  });

  it('normalises decimal strings and epoch times into a derived copy', () => {
    const rec = { ...candle, open: '42000.10', time: 1704067260000, open_time: 1704067200000000 };
    const [problem, out] = check(rec);
    expect(problem).toBeUndefined();
    expect(out).not.toBe(rec);
    expect(out.open).toBe(42000.1);
    expect(out.time).toBe('2024-01-01T00:01:00.000Z');
    expect(out.open_time).toBe('2024-01-01T00:00:00.000000Z');
  });

  it('reads a sequence given as a string of digits as its exact number; 2^53-1 is accepted', () => {
    const [problem, out] = check({ ...book, sequence: '9007199254740991' });
    expect(problem).toBeUndefined();
    expect(out.sequence).toBe(9007199254740991);
    expect(check({ ...book, sequence: '9007199254740992' })[0]).toMatch(/whole number \(0 to 2\^53-1\)/);
    expect(check({ ...trade, id: 2 ** 53 - 1 })[0]).toBeUndefined();
  });

  it('normalises book levels given as decimal strings', () => {
    const [, out] = check({ ...book, bids: [['1.50', '2']], asks: [[3, '0.001']] });
    expect(out.bids).toEqual([[1.5, 2]]);
    expect(out.asks).toEqual([[3, 0.001]]);
  });
});
