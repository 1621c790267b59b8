import { Args, Flags } from '@oclif/core';
import { commonFlags, TickpipeCommand } from '../../cli/base.js';
import { UsageError } from '../../core/errors.js';
import { storeRead, storeReadBytes } from '../../core/store/read.js';
import { timeFlag } from '../fetch.js';

export default class StoreRead extends TickpipeCommand {
  static override summary = 'Read records from a columnar store as NDJSON, in time order.';

  static override description =
    `Writes the records of one kind from the store DIR (made by store write), in time order across partitions and symbols (several symbols are merged by time; ties in the order exchange/symbol/interval), selected by --symbol, --exchange, --interval and a half-open time range (--from inclusive, --to exclusive; candles by open_time, other records by time). Records written by tickpipe come back byte for byte.`;

  static override examples = [
    {
      description: 'A day of BTCUSDT 1-minute candles from the store',
      command:
        '<%= config.bin %> store read store --symbol BTCUSDT --kind candles --interval 1m --from 2024-01-02 --to 2024-01-03',
    },
    {
      description: 'Two symbols merged in time order, into a backtest',
      command:
        '<%= config.bin %> store read store --symbol BTCUSDT,ETHUSDT --kind candles | <%= config.bin %> backtest --strategy buy-and-hold',
    },
  ];

  static override args = {
    dir: Args.string({ description: 'The store (a folder with a manifest.json).', required: true }),
  };

  static override flags = {
    kind: Flags.string({
      char: 'k',
      description:
        'Kind of records: candles, trades, quotes, funding, books, ... (the record type works too).',
      required: true,
    }),
    symbol: Flags.string({
      char: 's',
      description: 'Symbol(s), comma-separated or repeated; default: all in the store.',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
    }),
    exchange: Flags.string({ char: 'e', description: 'Only this venue.' }),
    interval: Flags.string({ description: 'Only candles of this interval (1m, 1h, ...).' }),
    from: Flags.string({ description: 'Start (inclusive): a UTC date or ISO time.' }),
    to: Flags.string({ description: 'End (exclusive): a UTC date or ISO time.' }),
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(StoreRead);
    const fromUs = timeFlag('from', flags.from);
    const toUs = timeFlag('to', flags.to);
    if (fromUs !== undefined && toUs !== undefined && fromUs >= toUs)
      throw new UsageError(`--from must be before --to (found ${flags.from} and ${flags.to})`);
    const symbols = flags.symbol.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
    const options = {
      dir: args.dir,
      kind: flags.kind,
      symbols,
      ...(flags.exchange === undefined ? {} : { exchange: flags.exchange }),
      ...(flags.interval === undefined ? {} : { interval: flags.interval }),
      ...(fromUs === undefined ? {} : { fromUs }),
      ...(toUs === undefined ? {} : { toUs }),
      signal: this.abort.signal,
    };
    // NDJSON goes out as bytes built from the columns; tables need the records.
    await this.write(flags.format === 'ndjson' ? storeReadBytes(options) : storeRead(options));
  }
}
