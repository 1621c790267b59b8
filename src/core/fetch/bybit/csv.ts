/**
 * Bybit's public trade archive (public.bybit.com), one gzip CSV per symbol and day, with a header row.
 *
 * - Derivatives, `trading/SYMBOL/SYMBOLYYYY-MM-DD.csv.gz`: timestamp (epoch seconds with a
 *   fraction), symbol, side (`Buy`/`Sell`), size, price, tickDirection, trdMatchID, grossValue,
 *   homeNotional, foreignNotional, and on newer files RPI.
 * - Spot, `spot/SYMBOL/SYMBOL_YYYY-MM-DD.csv.gz`: id, timestamp (epoch milliseconds), price, volume,
 *   side (`buy`/`sell`), and on newer files rpi.
 * Columns are found by header name, so the optional trailing columns do not matter.
 */

import type { WireRecord } from '../../records/record.js';
import {
  type EpochTime,
  epoch,
  epochSecondsFraction,
  formatTime,
  type ParsedRow,
  positive,
  RowError,
  type RowParser,
} from '../rows.js';

function checkRowSymbol(s: string): string {
  if (!/^[A-Z0-9][A-Z0-9_-]{0,39}$/.test(s))
    throw new RowError(`expected a symbol for "symbol", found "${s.slice(0, 40)}"`);
  return s;
}

export function isBybitTradeHeader(header: string): boolean {
  return (
    header.startsWith('timestamp,symbol,side,size,price') ||
    header.startsWith('id,timestamp,price,volume,side')
  );
}

const t: EpochTime = { us: 0, precision: 'ms' };

function side(text: string): 'buy' | 'sell' {
  if (text === 'Buy' || text === 'buy') return 'buy';
  if (text === 'Sell' || text === 'sell') return 'sell';
  throw new RowError(`expected Buy or Sell for "side", found "${text.slice(0, 40)}"`);
}

/** `labels.symbol` undefined: the derivatives files' own `symbol` column names it. */
export function bybitTradeParser(labels: { exchange: string; symbol: string | undefined }): RowParser {
  let spot = false;
  let cols = 0;
  return {
    isHeader(fields: string[]): boolean {
      spot = fields[0] === 'id';
      cols = fields.length;
      return true;
    },
    parse(f: string[]): ParsedRow {
      if (f.length < cols)
        throw new RowError(`expected ${cols} columns in a Bybit trade row, found ${f.length}`);
      let time: EpochTime;
      let id: string | number;
      let price: number;
      let amount: number;
      let s: 'buy' | 'sell';
      if (spot) {
        id = /^\d{1,15}$/.test(f[0]!) ? Number(f[0]) : f[0]!;
        if (id === '') throw new RowError('expected a trade id for "id", found ""');
        epoch(f, 1, 'timestamp', t);
        time = t;
        price = positive(f, 2, 'price');
        amount = positive(f, 3, 'volume');
        s = side(f[4]!);
      } else {
        time = epochSecondsFraction(f[0]!, 'timestamp');
        s = side(f[2]!);
        amount = positive(f, 3, 'size');
        price = positive(f, 4, 'price');
        id = f[6]!;
        if (id.length === 0) throw new RowError('expected a trade id for "trdMatchID", found ""');
      }
      const record: WireRecord = {
        type: 'trade',
        time: formatTime(time.us, time.precision),
        exchange: labels.exchange,
        symbol: labels.symbol ?? (spot ? '' : checkRowSymbol(f[1]!)),
        id,
        price,
        amount,
        side: s,
      };
      return { record, key: time.us };
    },
  };
}
