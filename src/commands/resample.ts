import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { UsageError } from '../core/errors.js';
import { readRecords } from '../core/io/pipeline.js';
import { parseInterval } from '../core/records/interval.js';
import { parseTimeZone } from '../core/resample/buckets.js';
import { parseBars, Resampler, resample } from '../core/resample/resample.js';

export default class Resample extends TickpipeCommand {
  static override summary =
    'Candles to coarser candles; trades to time, tick, volume or dollar bars; quotes and books to candles of the mid.';

  static override description =
    `Aggregates market records into candle records, in one streaming pass (memory: one bar per instrument).

Candles become candles of a coarser --interval (5m, 1h, 4h, 1d, 1w weeks starting Monday, 1M calendar months): the first open, the highest high, the lowest low, the last close, summed volume, quote_volume, trades and taker_buy_volume. Trades become time bars (--interval) or, with --bars, tick bars (ticks:N trades), volume bars (volume:V of the base asset) or dollar bars (dollar:D of notional), as in Lopez de Prado's Advances in Financial Machine Learning. Quotes and books become candles of the mid price (volume 0, "ticks" = updates).

Buckets are aligned in UTC, or in --tz (an offset such as +08:00 or a zone such as America/New_York) so a day is the venue's day. A bucket that is not fully covered (the first or last of a run, or one with missing candles) is written with "complete": false, or dropped with --complete-only. A bucket with no data at all stays a gap unless --fill flat writes a synthetic candle at the last close. Other record types pass through. docs/resample.md has the rules.`;

  static override examples = [
    {
      description: '1-minute candles to hourly ones',
      command:
        '<%= config.bin %> fetch BTCUSDT-1m-2020-01-01.zip --exchange binance_spot | <%= config.bin %> <%= command.id %> --interval 1h',
    },
    {
      description: 'Daily candles of a venue whose day starts at midnight in New York, full days only',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --interval 1d --tz America/New_York --complete-only',
    },
    {
      description: 'Dollar bars of one million of notional from trades',
      command: '<%= config.bin %> <%= command.id %> trades.ndjson --bars dollar:1e6',
    },
    {
      description: '5-minute candles of the mid from an order book, gaps filled flat',
      command:
        '<%= config.bin %> orderbook books.ndjson | <%= config.bin %> <%= command.id %> --interval 5m --fill flat',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    interval: Flags.string({
      description: 'Time bars of this interval: 5m, 1h, 4h, 1d, 1w (Monday), 1M (calendar month).',
    }),
    bars: Flags.string({
      description: 'Bars of trades by count, volume or notional: ticks:1000, volume:50, dollar:1e6.',
    }),
    tz: Flags.string({
      description: 'Align buckets in this time zone: UTC, +08:00, America/New_York.',
      default: 'UTC',
    }),
    'complete-only': Flags.boolean({
      description: 'Drop incomplete buckets instead of marking them complete: false.',
      default: false,
    }),
    fill: Flags.string({
      description: 'none: a bucket without data is a gap; flat: a synthetic candle at the last close.',
      options: ['none', 'flat'],
      default: 'none',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'No summary line on stderr.', default: false }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Resample);
    if ((flags.interval === undefined) === (flags.bars === undefined))
      throw new UsageError('give one of --interval (time bars) or --bars (tick, volume or dollar bars)');
    let interval: ReturnType<typeof parseInterval>;
    if (flags.interval !== undefined) {
      interval = parseInterval(flags.interval);
      if (interval === undefined)
        throw new UsageError(
          `--interval: expected an interval such as 5m, 1h, 1d, 1w or 1M, found "${flags.interval}"`,
        );
    }
    const bars = flags.bars === undefined ? undefined : parseBars(flags.bars);
    const tz = parseTimeZone(flags.tz);
    const { input, policy, maxLineBytes } = this.rawInput(args.file, flags);
    // After the input is opened: its name is the place of every message.
    const resampler = new Resampler(
      {
        ...(interval === undefined ? {} : { interval }),
        ...(bars === undefined ? {} : { bars }),
        tz,
        completeOnly: flags['complete-only'],
        fill: flags.fill as 'none' | 'flat',
        source: this.inputName,
      },
      policy,
    );
    await this.write(resample(readRecords(input, policy, maxLineBytes), resampler));
    const r = resampler.report;
    if (r.booksBeforeSnapshot > 0)
      this.warn(
        `${r.booksBeforeSnapshot} book deltas before their instrument's first snapshot had no book to take a mid from and were skipped`,
      );
    if (!flags.quiet && !this.outputClosed && r.bars + r.incomplete > 0) {
      const inc =
        r.incomplete === 0
          ? ''
          : `, ${r.incomplete} incomplete ${flags['complete-only'] ? 'dropped (--complete-only)' : 'marked complete: false'}`;
      const filled = r.filled === 0 ? '' : `, ${r.filled} filled flat`;
      this.say(`${r.bars} bar${r.bars === 1 ? '' : 's'}${inc}${filled}`);
    }
  }
}
