import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { DataError, UsageError } from '../core/errors.js';
import { TypeCounts, tap } from '../core/io/count.js';
import { DrawdownStage, drawdown } from '../core/stats/drawdown-stage.js';

export default class Drawdown extends TickpipeCommand {
  static override summary = 'Drawdown periods of an equity curve, a balance or any numeric field.';

  static override description =
    `Follows a series in one streaming pass and writes a "drawdown" record (kind "period") for every completed drawdown: from a peak to the first later point at or above it, with its depth as a fraction of the peak (value), peak, trough, time_start (the peak), time_trough, time_end (the recovery), duration_ms and recovered: true. At the end of input it writes the period still open (recovered: false), if any, and a "drawdown_summary" record: max, mean and mean_duration_ms over all periods (the open one counted once), count and current.

The series is the "equity" field of equity records by default; --field NAME follows any numeric field (of --type records, or of any record that has it); --asset ASSET the total of that asset's balance records (--exchange to pick one venue). Series with different exchange, symbol, asset or strategy fields are followed separately. --series also writes a "drawdown" point (kind "point") per input point. Values must be > 0 for a peak-relative drawdown; --absolute measures declines in the field's units instead (for PnL). docs/statistics.md has the rules.`;

  static override examples = [
    {
      description: 'Drawdowns of a backtest',
      command:
        '<%= config.bin %> backtest candles.ndjson --strategy sma-cross | <%= config.bin %> <%= command.id %>',
    },
    {
      description: 'The underwater curve, point by point',
      command: '<%= config.bin %> <%= command.id %> run.ndjson --series',
    },
    {
      description: "The usdt balance's drawdowns on one venue",
      command: '<%= config.bin %> <%= command.id %> run.ndjson --asset usdt --exchange binance_spot',
    },
    {
      description: 'Declines of cumulative PnL in quote units, keeping the input records',
      command: '<%= config.bin %> <%= command.id %> pnl.ndjson --field pnl --absolute --pass-through',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    field: Flags.string({ description: 'The numeric field to follow (default: equity).' }),
    type: Flags.string({ description: 'With --field: only records of this type.' }),
    asset: Flags.string({ description: "Follow the total of this asset's balance records." }),
    exchange: Flags.string({ description: "With --asset: only this exchange's balance records." }),
    series: Flags.boolean({ description: 'Also write a drawdown point per input point.', default: false }),
    absolute: Flags.boolean({
      description: "Measure declines in the field's units (peak - value), not as a fraction of the peak.",
      default: false,
    }),
    'pass-through': Flags.boolean({
      description: 'Write the input records too, each drawdown record after the point that produced it.',
      default: false,
    }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Drawdown);
    if (flags.exchange !== undefined && flags.asset === undefined)
      throw new UsageError('--exchange needs --asset');
    if (flags.type !== undefined && flags.field === undefined) throw new UsageError('--type needs --field');
    const counts = new TypeCounts();
    const input = tap(this.records(args.file, flags), (r) => counts.add(r));
    const stage = new DrawdownStage({
      ...(flags.field === undefined ? {} : { field: flags.field }),
      ...(flags.type === undefined ? {} : { recordType: flags.type }),
      ...(flags.asset === undefined ? {} : { asset: flags.asset }),
      ...(flags.exchange === undefined ? {} : { exchange: flags.exchange }),
      series: flags.series,
      absolute: flags.absolute,
      passThrough: flags['pass-through'],
      source: this.inputName,
    });
    await this.write(drawdown(input, stage));
    // Empty input is no error (the contract); records none of which is part of the series are.
    if (counts.total > 0 && stage.points === 0 && !this.outputClosed)
      throw new DataError(
        this.inputName,
        `${stage.describeSeries()} in the input (found ${counts.describe()}): ${
          flags.field === undefined && flags.asset === undefined
            ? "drawdown reads a backtest's output (tickpipe backtest ... | tickpipe drawdown), or --field NAME, --asset ASSET"
            : 'check --field, --type, --asset and --exchange against the records'
        }`,
      );
  }
}
