/**
 * The candle line scanner of `features`' byte path (src/core/features/scan.ts): on every line it
 * either declines or reads exactly what JSON.parse reads (the series key, time and the five
 * numbers, to the bit: -0 and all); and it does accept the plain lines tickpipe writes.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandleScan, scanCandle } from '../src/core/features/scan.js';

const COLUMNS = ['sma_20', 'rsi_14'].map((c) => Buffer.from(`${c}":`, 'latin1'));
const FIVE = ['open', 'high', 'low', 'close', 'volume'] as const;

/** What the scanner read from `line`, or undefined when it declined. */
function scan(line: string) {
  const b = Buffer.from(`xx${line}\r\n`, 'utf8');
  const r = new CandleScan();
  // The line sits inside a larger buffer, as in a block of lines.
  if (!scanCandle(b, 2, b.length - 2, r, COLUMNS)) return undefined;
  const text = (s: number, e: number) => (e < 0 ? undefined : b.toString('utf8', s, e));
  return {
    exchange: text(r.exchangeStart, r.exchangeEnd),
    symbol: text(r.symbolStart, r.symbolEnd),
    interval: text(r.intervalStart, r.intervalEnd),
    time: text(r.timeStart, r.timeEnd),
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  };
}

/** The same members as JSON.parse gives them, or undefined when the scanner must decline. */
function expected(line: string) {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return v;
}

/** Checks one line: a scan that accepts agrees with JSON.parse on every member it reads. */
function agrees(line: string): boolean {
  const got = scan(line);
  if (got === undefined) return false;
  const want = expected(line);
  expect(want, `accepted a line JSON.parse refuses: ${line}`).toBeDefined();
  expect(want!.type).toBe('candle');
  for (const k of ['exchange', 'symbol', 'interval'] as const) expect(got[k]).toBe(want![k]);
  expect(got.time).toBe(typeof want!.time === 'string' ? want!.time : undefined);
  for (const k of FIVE) {
    expect(typeof want![k]).toBe('number');
    expect(Object.is(got[k], want![k]), `${k}: ${got[k]} vs ${String(want![k])} in ${line}`).toBe(true);
  }
  for (const c of ['sma_20', 'rsi_14']) expect(c in want!).toBe(false);
  return true;
}

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** JSON number text of every shape: signs, zeros, long fractions, exponents, huge and tiny. */
const numberText = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '', '-'),
      fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 24)).map(([a, b]) => `${a}${b}`),
      ),
      fc.option(
        digits(1, 26).map((d) => `.${d}`),
        { nil: '' },
      ),
      fc.option(
        fc
          .tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))
          .map((p) => p.join('')),
        { nil: '' },
      ),
    )
    .map((p) => p.join('')),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.integer({ min: 1, max: 5_000_000 }).map((n) => String(n / 100)),
  fc.constantFrom(
    '-0',
    '0',
    '-0.0',
    '0e0',
    '1e400',
    '-1e400',
    '5e-324',
    '9007199254740993',
    '1.7976931348623157e308',
  ),
);

/** Not JSON numbers (the scanner must decline the line). */
const badNumber = fc.constantFrom(
  '01',
  '-',
  '1.',
  '.5',
  '+1',
  '1e',
  '1e+',
  '0x10',
  'NaN',
  'Infinity',
  '--1',
  '1..2',
  '00',
);

const stringText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'abcXYZ019_-:.'), maxLength: 12 })
      .map((s) => JSON.stringify(s)),
  },
  fc.constantFrom('"binance_spot"', '"BTCUSDT"', '"1m"', '"2024-01-01T00:01:00.000Z"'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"a\\u0062c"', '"\\"q\\""', '"tab\\there"', '"é"', '"\\/"'),
);

const valueText = fc.oneof(
  { weight: 4, arbitrary: numberText },
  { weight: 3, arbitrary: stringText },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '{}', '[1,2]', '{"a":1}') },
  { weight: 1, arbitrary: badNumber },
);

const memberName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('open', 'high', 'low', 'close', 'volume') },
  { weight: 3, arbitrary: fc.constantFrom('exchange', 'symbol', 'interval', 'time') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('open_time', 'quote_volume', 'trades', 'taker_buy_volume', 'local_time'),
  },
  { weight: 1, arbitrary: fc.constantFrom('type', 'sma_20', 'rsi_14', 'sma_2', 'o', 'closes', 'tim') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** A candle line: the members it must have, each with a value of its kind mostly, in any order, and extras. */
const candleLine = fc
  .record({
    time: fc.oneof(stringText, valueText),
    exchange: fc.oneof({ weight: 12, arbitrary: stringText }, valueText),
    symbol: fc.oneof({ weight: 12, arbitrary: stringText }, valueText),
    interval: fc.oneof({ weight: 12, arbitrary: stringText }, valueText),
    open: fc.oneof({ weight: 12, arbitrary: numberText }, valueText),
    high: fc.oneof({ weight: 12, arbitrary: numberText }, valueText),
    low: fc.oneof({ weight: 12, arbitrary: numberText }, valueText),
    close: fc.oneof({ weight: 12, arbitrary: numberText }, valueText),
    volume: fc.oneof({ weight: 12, arbitrary: numberText }, valueText),
    extras: fc.array(fc.tuple(memberName, fc.oneof({ weight: 4, arbitrary: numberText }, valueText)), {
      maxLength: 3,
    }),
    drop: fc.option(fc.integer({ min: 0, max: 8 }), { freq: 8 }),
    order: fc.array(fc.nat(), { minLength: 13, maxLength: 13 }),
    typeText: fc.constantFrom(
      '"candle"',
      '"candle"',
      '"candle"',
      '"candle"',
      '"candle"',
      '"trade"',
      '"candl\\u0065"',
    ),
    typeFirst: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    space: fc.constantFrom('', '', '', '', '', '', '', '', ' ', '\t'),
  })
  .map((g) => {
    const keys = [
      'time',
      'exchange',
      'symbol',
      'interval',
      'open',
      'high',
      'low',
      'close',
      'volume',
    ] as const;
    let members: string[] = keys
      .filter((_, i) => i !== g.drop)
      .map((k) => `${JSON.stringify(k)}:${g[k]}`)
      .concat(g.extras.map(([n, v]) => `${JSON.stringify(n)}:${v}`));
    // Random order: sort by the generated keys.
    members = members
      .map((m, i) => [g.order[i] ?? i, m] as const)
      .sort((a, b) => a[0] - b[0])
      .map((p) => p[1]);
    const type = `"type":${g.typeText}`;
    if (g.typeFirst) members.unshift(type);
    else members.splice(Math.min(2, members.length), 0, type);
    return `{${members.join(`,${g.space}`)}}`;
  });

describe('features: the candle line scanner', () => {
  it('reads every line it accepts exactly as JSON.parse does, and declines what it does not understand', () => {
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(candleLine, (line) => {
        total++;
        if (agrees(line)) accepted++;
      }),
      { numRuns: 20000 },
    );
    // The property is not met by declining everything: some hundreds of the lines are read (most
    // have something the scanner must decline; the next test has only lines it must read).
    expect(accepted / total).toBeGreaterThan(0.01);
  });

  it('reads plain candle lines of any member order, numbers of every form', () => {
    fc.assert(
      fc.property(
        fc.array(numberText, { minLength: 5, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        (nums, order) => {
          const members = [
            '"time":"2024-01-01T00:01:00.000Z"',
            '"exchange":"binance_spot"',
            '"symbol":"BTCUSDT"',
            '"interval":"1m"',
            ...FIVE.map((k, i) => `"${k}":${nums[i]}`),
          ]
            .map((m, i) => [order[i] ?? 0, m] as const)
            .sort((a, b) => a[0] - b[0])
            .map((p) => p[1]);
          const line = `{"type":"candle",${members.join(',')},"trades":12,"flag":true,"note":null}`;
          expect(agrees(line), line).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    [
      'the line tickpipe writes',
      '{"type":"candle","time":"2024-01-01T00:01:00.000Z","exchange":"binance_spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:00:00.000Z","open":42000,"high":42032.46,"low":41975.29,"close":42021.43,"volume":16.31734,"quote_volume":685447.315,"trades":274,"taker_buy_volume":7.98638}',
      true,
    ],
    [
      'no time',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":-0,"volume":0}',
      true,
    ],
    [
      'a repeated number: the last one counts',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0,"close":3}',
      true,
    ],
    [
      'exponents and long numbers',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1e3,"high":2E+3,"low":12345678901234567890,"close":0.1000000000000000055511151231257827,"volume":1e-400}',
      true,
    ],
    [
      'an escape in the symbol',
      '{"type":"candle","exchange":"x","symbol":"B\\u0054C","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'non-ASCII text',
      '{"type":"candle","exchange":"binancé","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'white space',
      '{"type":"candle", "exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'type not first',
      '{"exchange":"x","type":"candle","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'a second type',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0,"type":"trade"}',
      false,
    ],
    [
      'a column already there',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0,"sma_20":5}',
      false,
    ],
    [
      'a number as text',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":"1","high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'no volume',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1}',
      false,
    ],
    [
      'no interval',
      '{"type":"candle","exchange":"x","symbol":"y","open":1,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'a nested object',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0,"meta":{}}',
      false,
    ],
    [
      'a leading zero',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":01,"high":2,"low":0.5,"close":1,"volume":0}',
      false,
    ],
    [
      'a trailing comma',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0,}',
      false,
    ],
    [
      'text after the object',
      '{"type":"candle","exchange":"x","symbol":"y","interval":"1m","open":1,"high":2,"low":0.5,"close":1,"volume":0}}',
      false,
    ],
    ['a trade', '{"type":"trade","exchange":"x","symbol":"y","price":1,"amount":2}', false],
  ])('%s', (_, line, accepts) => {
    expect(agrees(line)).toBe(accepts);
  });
});
