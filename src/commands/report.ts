import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { TickpipeError, UsageError } from '../core/errors.js';
import { openInput } from '../core/io/input.js';
import { readRecords } from '../core/io/pipeline.js';
import { screenshotReport } from '../core/report/browser.js';
import { buildReport } from '../core/report/report.js';
import { parseStatInterval } from '../core/stats/interval.js';
import Summarize from './summarize.js';

export default class Report extends TickpipeCommand {
  static override summary = 'A tear sheet of a backtest (or a sweep) as one self-contained HTML page.';

  static override description =
    `Reads what backtest writes (equity, fill, position, order, balance; with or without summarize's "summary" record) and writes one HTML file with every script and style inlined: nothing is fetched from a network, and it opens from disk in any current browser.

The page has summarize's tear sheet (the same figures, computed by the same code with the same --interval, --period and --risk-free; a summary record in the input is used as it is), the equity curve with its deepest drawdown periods shaded and the underwater curve, each instrument's price (candles, or a line for trades and quotes) with every fill marked and the position under it, a monthly returns table, the returns' histogram with a normal density and a Q-Q plot, rolling Sharpe ratio and volatility, and the sortable list of closed trades. Backtest output holds no prices: give the market records the run was made on with --market FILE (or put them in the input).

Long runs are reduced for drawing to --buckets buckets per chart (min and max per bucket for lines, merged candles for candles), so a million candles make a page of a few megabytes. Sweep output (sweep_run, sweep_summary, sweep_fold records) gives a heat map of the objective over --x and --y, the ranking and the walk-forward folds.

--png FILE also writes a screenshot of the page through headless Chromium (/usr/bin/chromium or $CHROMIUM_PATH). Input with records but none of an account or a sweep (a file of candles) is an error, exit 1. docs/report.md has the details.`;

  static override examples = [
    {
      description: 'The tear sheet of a backtest on its candles',
      command:
        '<%= config.bin %> backtest candles.ndjson --strategy sma-cross | <%= config.bin %> <%= command.id %> --market candles.ndjson -o report.html',
    },
    {
      description: 'Ratios per 252-day year with a 4% risk-free rate, and a screenshot for CI',
      command:
        '<%= config.bin %> <%= command.id %> run.ndjson --market candles.ndjson --interval annual_252 --risk-free 0.04 -o report.html --png report.png',
    },
    {
      description: "A sweep's heat map over two parameters",
      command: '<%= config.bin %> <%= command.id %> sweep.ndjson --x fast --y slow -o sweep.html',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write the HTML page here (default: standard output).' }),
    market: Flags.string({
      description:
        'A file of the market records (candles, trades, quotes) the run was made on, for the price charts.',
    }),
    png: Flags.string({
      description: 'Also write a full-page screenshot (PNG) here, through headless Chromium.',
    }),
    interval: Summarize.flags.interval,
    period: Summarize.flags.period,
    'risk-free': Summarize.flags['risk-free'],
    'min-periods': Summarize.flags['min-periods'],
    window: Flags.integer({
      description: 'Returns per rolling Sharpe ratio and volatility window.',
      default: 63,
      min: 2,
    }),
    buckets: Flags.integer({
      description: 'Buckets a long series is reduced to for drawing (about one per pixel column).',
      default: 2000,
      min: 10,
    }),
    x: Flags.string({ description: 'Sweep: the parameter across the heat map (default: the first).' }),
    y: Flags.string({ description: 'Sweep: the parameter down the heat map (default: the second).' }),
    objective: Flags.string({
      description: "Sweep: the figure ranked and mapped (default: the sweep_summary's, else sharpe_ratio).",
    }),
    minimize: Flags.boolean({ description: 'Sweep: lower objective values are better.', allowNo: true }),
    quiet: Flags.boolean({ char: 'q', description: 'Nothing on stderr but errors.', default: false }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Report);
    const riskFree = Number(flags['risk-free']);
    if (flags['risk-free'].trim() === '' || !Number.isFinite(riskFree) || riskFree <= -1)
      throw new UsageError(`--risk-free: expected a rate such as 0.04, found "${flags['risk-free']}"`);
    const interval = parseStatInterval(flags.interval, '--interval');
    const period = parseStatInterval(flags.period, '--period');
    const fromStdin = (f: string | undefined) => f === undefined || f === '-';
    if (flags.market !== undefined && fromStdin(flags.market) && fromStdin(args.file))
      throw new UsageError('--market and the input cannot both be standard input');
    if (flags.output === undefined && flags.png === undefined && this.stdoutIsTTY)
      throw new UsageError('the page is HTML, not for a terminal: give -o report.html (or --png report.png)');
    const { input, policy, maxLineBytes } = this.rawInput(args.file, flags);
    const market =
      flags.market === undefined
        ? undefined
        : readRecords(openInput(flags.market, this.io.stdin, this.abort.signal), policy, maxLineBytes);
    const report = await buildReport(
      readRecords(input, policy, maxLineBytes),
      {
        interval,
        period,
        riskFree,
        minPeriods: flags['min-periods'],
        window: flags.window,
        buckets: flags.buckets,
        source: this.inputName,
        sweep: {
          ...(flags.x === undefined ? {} : { x: flags.x }),
          ...(flags.y === undefined ? {} : { y: flags.y }),
          ...(flags.objective === undefined ? {} : { objective: flags.objective }),
          ...(flags.minimize === undefined ? {} : { minimize: flags.minimize }),
        },
      },
      market,
    );
    if (report === undefined) return;
    if (flags.output !== undefined) {
      try {
        writeFileSync(flags.output, report.html);
      } catch (error) {
        throw new TickpipeError(`${flags.output}: ${(error as Error).message}`);
      }
    } else if (flags.png === undefined) await this.writeText(report.html);
    if (flags.png !== undefined) await screenshotReport(report.html, flags.png, flags.output);
    if (flags.quiet || this.outputClosed) return;
    for (const n of report.notes) this.say(n);
    const c = report.counts;
    const where = [flags.output, flags.png].filter((f) => f !== undefined).join(' and ') || 'stdout';
    this.say(
      `${c.equity.toLocaleString('en-US')} equity points, ${c.instruments} instrument${c.instruments === 1 ? '' : 's'}, ${c.fills.toLocaleString('en-US')} fills, ${c.trades.toLocaleString('en-US')} closed trades${c.sweepRuns > 0 ? `, ${c.sweepRuns} sweep runs` : ''}; ${(Buffer.byteLength(report.html) / 1e6).toFixed(2)} MB to ${where}`,
    );
  }
}
