import { Args } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../../cli/base.js';
import { storeWrite } from '../../core/store/write.js';

export default class StoreWrite extends TickpipeCommand {
  static override summary = 'Write records to a columnar store: Parquet partitions with a manifest.';

  static override description =
    `Reads records (any type with exchange, symbol and a time) and writes them to DIR as Parquet files partitioned exchange/kind/symbol/interval/year=YYYY/month=MM (kind: candles, trades, quotes, funding, books, ...; interval: the candle interval, none for other kinds), with DIR/manifest.json listing each partition's row count and time range. Candles are placed by open_time, other records by time.

Idempotent: the days the input covers replace those days of the store, never duplicate them; other days are kept. Each partition is written to a temporary file, fsynced and renamed over the old one, then the manifest is replaced the same way, so a crash leaves the old partition. Typed columns (TIMESTAMP, DOUBLE, BIGINT, VARCHAR) hold the wire fields; any other field, and any value a column would not give back exactly (a decimal string, another time form), is kept in the JSON column "extra": store read gives back the records written. Writes one store_partition record per partition written. An interrupted run writes nothing. docs/store.md has the layout and columns.`;

  static override examples = [
    {
      description: 'Three days of 1-minute candles into a store',
      command:
        '<%= config.bin %> generate candles --count 4320 --from 2024-01-01 | <%= config.bin %> store write store',
    },
    {
      description: 'A Binance archive file, fetched and stored',
      command:
        '<%= config.bin %> fetch --file BTCUSDT-1m-2020-01-01.zip --exchange binance_spot -q | <%= config.bin %> store write store',
    },
  ];

  static override args = {
    dir: Args.string({ description: 'The store: a folder (made if missing).', required: true }),
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = { ...inputFlags, ...commonFlags };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(StoreWrite);
    const records = this.records(args.file, flags);
    await this.write(
      storeWrite(records, { dir: args.dir, source: this.inputName, signal: this.abort.signal }),
    );
    if (this.abort.signal.aborted && !this.outputClosed)
      this.say('interrupted: nothing was written to the store');
  }
}
