import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { colourFor } from '../cli/colour.js';
import { DataError, UsageError } from '../core/errors.js';
import { TypeCounts, tap } from '../core/io/count.js';
import { collect, runStage } from '../core/io/stream.js';
import { FlatStage } from '../core/stats/flat.js';
import { parseStatInterval } from '../core/stats/interval.js';
import { formatSummary } from '../core/stats/pretty.js';
import { Summarizer, summarize } from '../core/stats/summary.js';

export default class Summarize extends TickpipeCommand {
  static override summary = 'Performance statistics of a backtest or live account: one summary record.';

  static override description =
    `Reads the records backtest writes (position, fill, order, balance, equity, funding_payment; other types are ignored) in one streaming pass, in memory that does not grow with the input, and writes one "summary" record at the end: per-instrument tear sheets (pnl, return, Sharpe, Sortino and Calmar ratios, PnL drawdowns, win rate, profit factor, trades, average and largest win and loss, expectancy, holding time, fees, volume, time in market), per-asset balances and drawdowns, and the portfolio's equity-curve statistics (total and annualised return, volatility, Sharpe, Sortino, Calmar, maximum drawdown and its duration, longest time under water, best and worst period). The record's shape follows barter's TradingSummary; docs/statistics.md writes out every formula.

Equity returns are taken per --period (default 1d: the last equity at or before each UTC midnight); ratios are expressed per --interval (default annual_365), scaled by the square root of interval / period. --risk-free is a rate of return per --interval. A metric that cannot be computed is {"value": null, "reason": "..."}, never NaN.

--every 1d also writes a cumulative summary at the end of every day of event time (for live use). --pretty writes a table for people instead of NDJSON (colour on a terminal, or as --color and FORCE_COLOR say: FORCE_COLOR=1 tickpipe summarize --pretty | less -R).`;

  static override examples = [
    {
      description:
        'A CSV row per run and instrument, figures to 4 places: the files of runs on other symbols line up (mlr --icsv cat *.csv)',
      command:
        '<%= config.bin %> backtest candles.ndjson | <%= config.bin %> <%= command.id %> --flat --round 4 --format csv > run.csv',
    },
    {
      description: 'The tear sheet of a backtest, for people',
      command:
        '<%= config.bin %> backtest candles.ndjson --strategy sma-cross | <%= config.bin %> <%= command.id %> --pretty',
    },
    {
      description: 'Ratios per 252-day trading year with a 4% risk-free rate, from daily equity',
      command:
        '<%= config.bin %> <%= command.id %> run.ndjson --interval annual_252 --risk-free 0.04 > summary.ndjson',
    },
    {
      description: 'Hourly returns, ratios per day, a summary every day of a live paper-trading run',
      command:
        '<%= config.bin %> connect --exchange binance_spot --symbol BTCUSDT --channels book | <%= config.bin %> orderbook | <%= config.bin %> backtest --strategy market-maker | <%= config.bin %> <%= command.id %> --period 1h --interval daily --every 1d',
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
      description:
        'Interval the ratios and rates are expressed in: daily, annual_252, annual_365 (case-insensitive, annual-252 too) or a duration such as 30d.',
      default: 'annual_365',
    }),
    period: Flags.string({
      description: 'Length of the periods equity returns are taken over (1d, 1h, 1w, ...).',
      default: '1d',
    }),
    'risk-free': Flags.string({
      description: 'Risk-free rate of return per --interval (0.04 is 4%).',
      default: '0',
    }),
    'min-periods': Flags.integer({
      description:
        'Fewest returns (periods, or closed positions) a ratio is computed from; fewer gives null.',
      default: 3,
      min: 2,
    }),
    every: Flags.string({
      description: 'Also write a cumulative summary at the end of every period of event time (1d, 1h, ...).',
    }),
    pretty: Flags.boolean({
      description:
        'A table for people instead of NDJSON (colour on a terminal, or as --color and FORCE_COLOR say).',
      default: false,
      exclusive: ['flat'],
    }),
    flat: Flags.boolean({
      description:
        'Rows of fixed columns instead of the nested record: one "summary_row" for the portfolio, one per instrument (named in an "instrument" column), so runs on different symbols line up in one table (with --format csv).',
      default: false,
    }),
    round: Flags.integer({
      description: 'Round figures with a fraction to this many decimal places.',
      min: 0,
      max: 15,
    }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Summarize);
    const riskFree = Number(flags['risk-free']);
    if (flags['risk-free'].trim() === '' || !Number.isFinite(riskFree) || riskFree <= -1)
      throw new UsageError(`--risk-free: expected a rate such as 0.04, found "${flags['risk-free']}"`);
    const interval = parseStatInterval(flags.interval, '--interval');
    const period = parseStatInterval(flags.period, '--period');
    const everyUs = flags.every === undefined ? undefined : parseStatInterval(flags.every, '--every').us;
    const counts = new TypeCounts();
    const input = tap(this.records(args.file, flags), (r) => counts.add(r));
    const summarizer = new Summarizer({
      interval,
      period,
      riskFree,
      minPeriods: flags['min-periods'],
      source: this.inputName,
      ...(everyUs === undefined ? {} : { everyUs }),
    });
    let output = summarize(input, summarizer);
    if (flags.flat || flags.round !== undefined)
      output = runStage(output, new FlatStage(flags.flat, flags.round));
    if (!flags.pretty) await this.write(output);
    else {
      const records = await collect(output);
      const style = colourFor(this.io.stdout as { isTTY?: boolean });
      const text = records.map((r) => formatSummary(r, summarizer.curve, style)).join('\n');
      if (text.length > 0) await this.writeText(text);
    }
    // Empty input is no error (the contract); records none of which is an account's are.
    if (counts.total > 0 && counts.of('equity', 'balance') === 0 && !this.outputClosed)
      throw new DataError(
        this.inputName,
        `no equity or balance records in the input (found ${counts.describe()}): summarize reads a backtest's output (tickpipe backtest ... | tickpipe summarize)`,
      );
  }
}
