/**
 * scanBook against JSON.parse: whatever it accepts it must read exactly as JSON.parse does (and as
 * the orderbook stage reads the parsed record); whatever it is unsure of it must refuse.
 */

import { describe, expect, it } from 'vitest';
import { BookScan, scanBook } from '../../src/core/book/scan.js';
import { Rng } from '../../src/core/generate/random.js';

/** What the stage reads from a book record, from JSON.parse's result. */
function viaParse(line: string): Record<string, unknown> {
  const r = JSON.parse(line) as Record<string, unknown>;
  const levels = (v: unknown) => (v === undefined ? [] : (v as number[][]).map((l) => [l[0], l[1]]));
  return {
    time: r.time,
    exchange: r.exchange,
    symbol: r.symbol,
    snapshot: r.snapshot === true,
    bids: levels(r.bids),
    asks: levels(r.asks),
    sequence: Number(r.sequence ?? 0),
    first: r.first_sequence === undefined ? Number.NaN : Number(r.first_sequence),
    prev: r.prev_sequence === undefined ? Number.NaN : Number(r.prev_sequence),
  };
}

/** The same, from the scan (undefined when refused). */
function viaScan(line: string, r = new BookScan()): Record<string, unknown> | undefined {
  const b = Buffer.from(line, 'utf8');
  if (!scanBook(b, 0, b.length, r)) return undefined;
  const side = (p: Float64Array, a: Float64Array, n: number) =>
    Array.from({ length: n }, (_, i) => [p[i], a[i]]);
  return {
    time: b.toString('utf8', r.timeStart, r.timeEnd),
    exchange: b.toString('utf8', r.exchangeStart, r.exchangeEnd),
    symbol: b.toString('utf8', r.symbolStart, r.symbolEnd),
    snapshot: r.snapshot,
    bids: side(r.bidPrices, r.bidAmounts, r.bidCount),
    asks: side(r.askPrices, r.askAmounts, r.askCount),
    sequence: r.sequence,
    first: r.firstSequence,
    prev: r.prevSequence,
  };
}

const head = '{"type":"book","time":"2024-01-01T00:00:00.027Z","exchange":"binance_spot","symbol":"BTCUSDT"';

describe('scanBook', () => {
  it('reads what JSON.parse reads: members in any order, unknown members skipped, a large snapshot', () => {
    const lines = [
      `${head},"snapshot":false,"bids":[[42000.01,0.5],[41999.9,0]],"asks":[],"sequence":15,"first_sequence":2,"prev_sequence":1}`,
      `${head},"snapshot":true,"bids":[[1,2]],"asks":[[3,4]],"sequence":0}`,
      `{"type":"book","sequence":7,"asks":[[0.00001234,123456789]],"symbol":"ÉTH/€","local_time":"2024-01-01T00:00:00.028123Z","time":"2024-01-01T00:00:00.027Z","exchange":"x","extra":null,"flag":true,"n":-1.5}`,
      `${head},"bids":[[42000.123456789012345678,1e0]]}`.replace('1e0', '1'),
      `${head},"bids":[[0.1,0.000000000000000000001],[123456789012345678,5]],"sequence":-3}`,
      `${head},"snapshot":true,"bids":[${Array.from({ length: 5000 }, (_, i) => `[${(50000 - i / 100).toFixed(2)},${i % 7}]`).join(',')}],"asks":[]}`,
      `${head},"sequence":1,"sequence":2,"snapshot":true,"snapshot":false,"bids":[[1,1]],"bids":[[2,2],[3,3]]}`,
    ];
    const r = new BookScan();
    for (const line of lines) expect(viaScan(line, r), line.slice(0, 80)).toEqual(viaParse(line));
  });

  it('refuses what it cannot be sure of (the ordinary path then reads the line)', () => {
    const refused = [
      `${head},"bids":[[1,2]]} `, // trailing space
      `${head}, "bids":[[1,2]]}`, // whitespace
      `${head},"bids":[[1e2,2]]}`, // exponent
      `${head},"bids":[[-1,2]]}`, // negative price (an error on the ordinary path)
      `${head},"bids":[[0,2]]}`, // zero price (likewise)
      `${head},"bids":[[1,-0]]}`,
      `${head},"bids":[[01,2]]}`, // not JSON
      `${head},"bids":[[1.,2]]}`,
      `${head},"bids":[[1,2,3]]}`,
      `${head},"bids":[["1","2"]]}`, // decimal strings: converted on the ordinary path
      `${head},"bids":null}`,
      `${head},"sequence":"5"}`,
      `${head},"sequence":null}`,
      `${head},"first_sequence":null}`,
      `${head},"snapshot":null}`,
      `${head},"snapshot":1}`,
      `${head},"type":"trade"}`, // a later type wins in JSON.parse
      `${head},"extra":{"a":1}}`,
      `${head},"extra":[1]}`,
      `${head},"symbol":"BTC\\u0055SDT"}`, // escapes
      `${head},"bids":[[1,2]]`, // unterminated
      `${head},"bids":[[1,2]]}}`,
      '{"type":"book","exchange":"x","symbol":"y"}', // no time
      '{"type":"trade","time":"2024-01-01T00:00:00.027Z"}',
      `${head},"bids":[[1${'0'.repeat(400)},2]]}`, // Infinity
      `${head.replace('"time":"', '"time":"\t')}}`, // a control character in a string
    ];
    for (const line of refused) expect(viaScan(line), line).toBeUndefined();
  });

  it('agrees with JSON.parse on 20,000 random lines and 20,000 single-byte mutations of them', () => {
    const rng = new Rng(17);
    const num = (): string => {
      const r = rng.uniform();
      if (r < 0.4) return (rng.uniform() * 10 ** rng.int(0, 7)).toFixed(rng.int(0, 9));
      if (r < 0.6) return String(rng.int(0, 1_000_000));
      if (r < 0.8) return String(rng.uniform() * 10 ** rng.int(-8, 20));
      return `${rng.int(1, 9)}${'0'.repeat(rng.int(0, 25))}.${rng.int(0, 99_999)}`;
    };
    const levels = (): string =>
      `[${Array.from({ length: rng.int(0, 6) }, () => `[${num()},${num()}]`).join(',')}]`;
    const alphabet = '0123456789.,-+eE[]{}":tfnul \\ab';
    let accepted = 0;
    let mutatedAccepted = 0;
    const r = new BookScan();
    for (let i = 0; i < 20_000; i++) {
      const members = [
        `"snapshot":${rng.uniform() < 0.1}`,
        `"bids":${levels()}`,
        `"asks":${levels()}`,
        `"sequence":${rng.int(0, 1e9)}`,
        `"first_sequence":${rng.int(0, 1e9)}`,
        `"prev_sequence":${rng.int(0, 1e9)}`,
        `"local_time":"2024-01-01T00:00:00.000001Z"`,
      ].filter(() => rng.uniform() < 0.8);
      const line = `${head},${members.join(',')}}`;
      const scanned = viaScan(line, r);
      if (scanned !== undefined) {
        accepted++;
        expect(scanned, line).toEqual(viaParse(line));
      }
      // One byte changed: either refused, or read exactly as JSON.parse reads it (and JSON.parse
      // must then accept the line: the scan never takes invalid JSON).
      const at = rng.int(1, line.length - 1);
      const mutated = line.slice(0, at) + alphabet[rng.int(0, alphabet.length - 1)] + line.slice(at + 1);
      const m = viaScan(mutated, r);
      if (m !== undefined) {
        mutatedAccepted++;
        expect(m, mutated).toEqual(viaParse(mutated));
      }
    }
    // Most valid lines take the fast path; some mutations are still valid book lines.
    expect(accepted).toBeGreaterThan(15_000);
    expect(mutatedAccepted).toBeGreaterThan(1_000);
  });
});
