import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, quietFlag, TickpipeCommand } from '../cli/base.js';
import { OrderbookStage } from '../core/book/orderbook.js';
import { orderbookNdjson } from '../core/book/orderbook-io.js';
import { formatOrderbookReport } from '../core/book/orderbook-report.js';
import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/records/time.js';

export default class Orderbook extends TickpipeCommand {
  static override summary =
    'Rebuild L2 order books from book records, check sequencing, and emit quotes, depth or samples.';

  static override description =
    `Keeps one book per (exchange, symbol) from "book" records (snapshot: true resets a book; deltas carry absolute amounts, 0 removes a level) and checks the venue's sequence rules (Binance spot U/u, Binance futures pu, Bybit consecutive u; docs/orderbook.md). Records of other types pass through unchanged and in order, so orderbook can sit in the middle of a pipeline; book records are consumed.

By default it writes a "quote" whenever the top of a book changes, with mid, microprice, spread, spread_bps, imbalance over the top --levels, and bid_depth/ask_depth: the amount within --band-bps of the mid. --depth N writes a "book" snapshot of the top N levels after every update instead (--emit quotes,depth for both). --every 1s samples in event time: the last state in each bucket (in which the book changed), stamped at the bucket's end.

A sequence gap writes a "disconnect" record for that book (with the expected and found sequence), and the book is not emitted again until its next snapshot; --strict makes a gap exit 1. A book crossed after an update is reported; --uncross removes the stale side's crossing levels. A summary goes to stderr (--quiet: none).`;

  static override examples = [
    {
      description: 'Quotes with book features from a recorded Binance capture',
      command:
        '<%= config.bin %> connect --replay btcusdt_20240808.gz | <%= config.bin %> <%= command.id %> > quotes.ndjson',
    },
    {
      description: 'The top 10 levels every second, failing on any gap',
      command: '<%= config.bin %> <%= command.id %> books.ndjson --depth 10 --every 1s --strict',
    },
    {
      description: 'Generated books, imbalance over the top 3 levels',
      command:
        '<%= config.bin %> generate book --count 10000 | <%= config.bin %> <%= command.id %> --levels 3',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    levels: Flags.integer({ description: 'Levels a side for the imbalance.', default: 5, min: 1 }),
    'band-bps': Flags.string({
      description: 'Band around the mid for bid_depth and ask_depth, in basis points.',
      default: '10',
    }),
    depth: Flags.integer({
      description: 'Write a book snapshot of the top N levels a side per update.',
      min: 1,
    }),
    emit: Flags.string({
      description: 'What to write: quotes, depth, or quotes,depth (default: quotes, or depth with --depth).',
    }),
    every: Flags.string({
      description: 'Sample in event time (100ms, 1s, 1m, ...) instead of on every change.',
    }),
    uncross: Flags.boolean({
      description: "Remove the stale side's crossing levels when an update crosses a book.",
      default: false,
    }),
    strict: Flags.boolean({ description: 'A sequence gap is an error: exit 1.', default: false }),
    quiet: quietFlag('No summary on stderr.'),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Orderbook);
    const band = Number(flags['band-bps']);
    if (!(band > 0))
      throw new UsageError(`--band-bps: expected a positive number, found "${flags['band-bps']}"`);
    let everyUs: number | undefined;
    if (flags.every !== undefined) {
      everyUs = parseDuration(flags.every);
      if (everyUs === undefined)
        throw new UsageError(`--every: expected a duration such as 100ms or 1s, found "${flags.every}"`);
    }
    const emit = new Set(
      (flags.emit ?? (flags.depth === undefined ? 'quotes' : 'depth')).split(',').map((s) => s.trim()),
    );
    for (const e of emit)
      if (e !== 'quotes' && e !== 'depth')
        throw new UsageError(`--emit: expected quotes or depth, found "${e}"`);
    if (emit.has('depth') && flags.depth === undefined) throw new UsageError('--emit depth needs --depth N');
    const { input, policy, maxLineBytes } = this.rawInput(args.file, flags);
    const stage = new OrderbookStage({
      levels: flags.levels,
      bandBps: band,
      quotes: emit.has('quotes'),
      depth: emit.has('depth') ? flags.depth : undefined,
      everyUs,
      uncross: flags.uncross,
      strict: flags.strict,
      source: this.inputName,
      policy,
    });
    await this.write(
      orderbookNdjson(
        { chunks: input.chunks, source: input.name, policy, maxLineBytes, signal: input.signal },
        stage,
      ),
    );
    if (stage.report.books > 0)
      this.summary(
        formatOrderbookReport(stage.report),
        flags.quiet,
        stage.report.gaps > 0 || stage.report.crossed > 0,
      );
  }
}
