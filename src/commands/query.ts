import { Args } from '@oclif/core';
import { commonFlags, TickpipeCommand } from '../cli/base.js';
import { query } from '../core/store/query.js';

export default class Query extends TickpipeCommand {
  static override summary = 'Ask a columnar store a question in SQL: result rows as NDJSON (or CSV).';

  static override description =
    `Runs SQL (DuckDB's dialect) over the store DIR (made by store write), where each kind is a view named by the kind: candles, trades, quotes, funding, books, ... with the wire fields as columns (times as TIMESTAMP, prices and amounts as DOUBLE, counts and ids as BIGINT) and "extra", a JSON text of the other fields. Each result row is one record: times in the wire format's form, integers and decimals as numbers. --format csv writes a table for pandas or a spreadsheet. A malformed query is a usage error (exit 2); an error while reading data exits 1. docs/store.md lists the views and columns.`;

  static override examples = [
    {
      description: 'Daily closes and volumes of BTCUSDT',
      command: `<%= config.bin %> <%= command.id %> store "SELECT date_trunc('day', open_time) AS day, arg_max(close, open_time) AS close, sum(volume) AS volume FROM candles WHERE symbol = 'BTCUSDT' GROUP BY day ORDER BY day"`,
    },
    {
      description: 'Rows per symbol and kind of candle, as CSV',
      command:
        '<%= config.bin %> <%= command.id %> store "SELECT symbol, interval, count(*) AS n, min(open_time) AS first FROM candles GROUP BY ALL ORDER BY ALL" --format csv',
    },
  ];

  static override args = {
    dir: Args.string({ description: 'The store (a folder with a manifest.json).', required: true }),
    sql: Args.string({ description: 'The SQL query.', required: true }),
  };

  static override flags = { ...commonFlags };

  protected override async main(): Promise<void> {
    const { args } = await this.parse(Query);
    await this.write(query({ dir: args.dir, sql: args.sql, signal: this.abort.signal }));
  }
}
