/**
 * The Binance futures archive's `liquidationSnapshot` files (data.binance.vision
 * `data/futures/{um,cm}/daily/liquidationSnapshot/SYMBOL/SYMBOL-liquidationSnapshot-YYYY-MM-DD.zip`,
 * daily only, with a `.CHECKSUM`) as `venue_liquidation` records, the type `connect --channels
 * liquidations` writes (docs/format.md).
 *
 * The columns are the forceOrder stream's fields (docs/connect.md) written out: `time`, `side`,
 * `order_type`, `time_in_force`, `original_quantity`, `price`, `average_price`, `order_status`,
 * `last_fill_quantity`, `accumulated_fill_quantity`, found by name when the file has a header
 * (columns.ts), in this order when it has none.
 */

import {
  type EpochTime,
  epoch,
  formatTime,
  type ParsedRow,
  positive,
  RowError,
  type RowParser,
} from '../rows.js';
import { NamedColumns } from './columns.js';

const COLUMNS = [
  'time',
  'side',
  'order_type',
  'time_in_force',
  'original_quantity',
  'price',
  'average_price',
  'order_status',
  'last_fill_quantity',
  'accumulated_fill_quantity',
] as const;

export function liquidationSnapshotParser(labels: { exchange: string; symbol: string }): RowParser {
  const cols = new NamedColumns(COLUMNS, ['time', 'side', 'original_quantity', 'price']);
  const t: EpochTime = { us: 0, precision: 'ms' };
  return {
    isHeader: (fields) => cols.header(fields),
    parse(f: string[]): ParsedRow {
      cols.check(f, 'a liquidationSnapshot row');
      epoch(f, cols.index('time'), 'time', t);
      const s = cols.text(f, 'side');
      if (s !== 'BUY' && s !== 'SELL') throw new RowError(`expected BUY or SELL for "side", found "${s}"`);
      const rec: Record<string, unknown> = {
        type: 'venue_liquidation',
        time: formatTime(t.us, t.precision),
        exchange: labels.exchange,
        symbol: labels.symbol,
        side: s === 'BUY' ? 'buy' : 'sell',
        price: positive(f, cols.index('price'), 'price'),
      };
      const ap = cols.number(f, 'average_price', true);
      // 0: nothing filled (as on the stream): left out rather than written as a price.
      if (ap !== undefined && ap > 0) rec.average_price = ap;
      rec.amount = positive(f, cols.index('original_quantity'), 'original_quantity');
      const z = cols.number(f, 'accumulated_fill_quantity', true);
      if (z !== undefined) rec.filled_amount = z;
      const x = cols.text(f, 'order_status');
      if (x !== undefined && x.length > 0) rec.status = x.toLowerCase();
      return { record: rec as ParsedRow['record'], key: t.us };
    },
  };
}
