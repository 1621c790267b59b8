import { availableParallelism } from 'node:os';
import { Args, Flags } from '@oclif/core';
import { configFromFlags, readInstruments, readJson, storeOptions } from '../cli/backtest-options.js';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { formatDuration } from '../cli/progress.js';
import { loadStrategy } from '../core/backtest/backtest.js';
import { TickpipeError, UsageError } from '../core/errors.js';
import { openInput } from '../core/io/input.js';
import { ErrorPolicy } from '../core/io/lines.js';
import { readRecords } from '../core/io/pipeline.js';
import { collect, type RecordStream } from '../core/io/stream.js';
import type { WireRecord } from '../core/records/record.js';
import { parseStatInterval } from '../core/stats/interval.js';
import { storeRead } from '../core/store/read.js';
import { mergeSweep, runSweep, type SweepRequest } from '../core/sweep/index.js';
import Backtest from './backtest.js';

// Every backtest flag, except those of its own summary line and record (a sweep writes its own).
const {
  summary,
  'summary-interval': _si,
  'summary-period': _sp,
  'risk-free': _rf,
  quiet,
  interval: _storeInterval,
  ...backtestFlags
} = Backtest.flags;
void summary;
void _si;
void _sp;
void _rf;
void quiet;
void _storeInterval;

export default class Sweep extends TickpipeCommand {
  static override summary =
    'Parameter search over one parsed data set: one sweep_run record per run, ranked.';

  static override description =
    `Reads market records once (FILE or stdin), then runs the strategy once per point of a search space, in process and on all cores, with no per-run output: each run's account records go straight to the summarize stage, and one "sweep_run" record is written per run (its id, its parameters, then total_return, annualised_return, sharpe_ratio, sortino_ratio, calmar_ratio, max_drawdown, trades, win_rate, profit_factor, fees, exactly as summarize computes them with the same --interval, --period and --risk-free), in run order, then one "sweep_summary" ranking the best runs by the objective. Strategy and base configuration are given exactly as to backtest (--config, --strategy, --param, every flag).

The space: --grid KEY=a..b:step or KEY=v1,v2,... (repeatable; strategy parameters, or configuration keys such as execution.slippage_bps and sizing=percent-equity:0.25), or --space FILE (JSON); --where 'fast < slow' keeps the runs it is true of. Runs are numbered 1, 2, ... in grid order (the first --grid varies slowest).

A failed run is a record with its "error" and the sweep goes on; the exit code is then 1. --shard K/N (or auto, from a Kubernetes Indexed Job or a Slurm array) does every N-th run; --merge FILE... ranks the shards' records as one sweep. After SIGINT/SIGTERM the finished runs are written (exit 130/143); --resume FILE skips the runs in FILE and writes the whole result as if never interrupted. docs/sweep.md has the details and recipes.`;

  static override examples = [
    {
      description: 'An SMA crossover grid, fast below slow, best Sharpe ratio first',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --strategy sma-cross --sizing percent-equity:0.5 --grid fast=5..50:5 --grid slow=20,50,100,200 --where "fast < slow" > runs.ndjson',
    },
    {
      description: 'Over slippage and sizing too, minimising drawdown among runs of 20 trades or more',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --strategy sma-cross --param slow=30 --grid fast=5,10,20 --grid execution.slippage_bps=0,5,10 --grid sizing=percent-equity:0.25,percent-equity:0.5 --minimize max_drawdown --min-trades 20',
    },
    {
      description: 'The second of three shards, then the shards merged and ranked as one sweep',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --sizing percent-equity:0.5 --grid fast=5..50:5 --grid slow=60,120 --shard 2/3 > part2.ndjson && <%= config.bin %> <%= command.id %> --merge part1.ndjson part2.ndjson part3.ndjson',
    },
    {
      description: 'Finish an interrupted sweep without redoing its finished runs',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --sizing percent-equity:0.5 --grid fast=5..50:5 --grid slow=60,120 --resume partial.ndjson > runs.ndjson',
    },
    {
      description:
        'A strategy in Python over a 2x1 grid: each run starts its own process (docs/strategy-protocol.md)',
      command:
        "<%= config.bin %> <%= command.id %> candles.ndjson --strategy 'exec:python3 examples/strategies/sma_cross.py' --grid fast=5,10 --grid slow=30 --strategy-timeout 5s",
    },
  ];

  static override strict = false;

  static override args = {
    file: Args.string({
      description:
        'Input file of market records (NDJSON, optionally gzip); - or none for stdin. With --merge: the result files (stdin if none).',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    ...backtestFlags,
    // backtest's --interval (of --store) is --store-interval here: --interval is summarize's.
    'store-interval': Flags.string({
      description:
        'With --store: only candles of this interval (1m, 1h, ...); needed when the store has several for a symbol.',
      dependsOn: ['store'],
      helpGroup: 'STORE',
    }),
    grid: Flags.string({
      description:
        'A dimension KEY=a..b:step or KEY=v1,v2,... (repeatable); KEY a strategy parameter or a configuration key.',
      multiple: true,
      default: [],
      helpGroup: 'SPACE',
    }),
    space: Flags.string({
      description:
        'The space as JSON: {"parameters": {"fast": "5..50:5", "slow": [20, 50]}, "where": "fast < slow"}.',
      helpGroup: 'SPACE',
    }),
    where: Flags.string({
      description:
        "Keep the runs this is true of: comparisons, + - * / %, and/or/not over the parameters ('fast < slow').",
      helpGroup: 'SPACE',
    }),
    samples: Flags.integer({
      description:
        'Random search: draw this many points (seeded by --seed) instead of the grid; a..b ranges uniform, a..b:log log-uniform.',
      min: 1,
      helpGroup: 'SPACE',
    }),
    'max-runs': Flags.integer({
      description: 'Refuse a grid of more runs than this.',
      default: 100_000,
      min: 1,
      helpGroup: 'SPACE',
    }),
    maximize: Flags.string({
      description: 'Rank by this figure, highest first (default sharpe_ratio).',
      exclusive: ['minimize'],
      helpGroup: 'OBJECTIVE',
    }),
    minimize: Flags.string({ description: 'Rank by this figure, lowest first.', helpGroup: 'OBJECTIVE' }),
    'min-trades': Flags.integer({
      description: 'Runs with fewer closed trades are not ranked.',
      default: 0,
      min: 0,
      helpGroup: 'OBJECTIVE',
    }),
    top: Flags.integer({
      description: 'How many of the best runs the sweep_summary lists.',
      default: 10,
      min: 1,
      helpGroup: 'OBJECTIVE',
    }),
    interval: Flags.string({
      description: 'As summarize --interval: the interval ratios are expressed in.',
      default: 'annual_365',
      helpGroup: 'OBJECTIVE',
    }),
    period: Flags.string({
      description: 'As summarize --period: the length of the periods equity returns are taken over.',
      default: '1d',
      helpGroup: 'OBJECTIVE',
    }),
    'risk-free': Flags.string({
      description: 'As summarize --risk-free: the risk-free rate per --interval.',
      default: '0',
      helpGroup: 'OBJECTIVE',
    }),
    'min-periods': Flags.integer({
      description: 'As summarize --min-periods.',
      default: 3,
      min: 2,
      helpGroup: 'OBJECTIVE',
    }),
    jobs: Flags.integer({
      char: 'j',
      description: 'Runs at once, on worker threads (default: the number of cores); 1 runs in process.',
      min: 1,
      helpGroup: 'RUN',
    }),
    shard: Flags.string({
      description:
        'Do only shard K of N (K/N, 1-based), or auto (JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID).',
      helpGroup: 'RUN',
    }),
    'shard-count': Flags.integer({
      description: "With --shard auto on Kubernetes: the Indexed Job's completions.",
      min: 1,
      helpGroup: 'RUN',
    }),
    merge: Flags.boolean({
      description: 'Merge the sweep_run records of the FILE arguments (shards) and rank them as one sweep.',
      default: false,
      helpGroup: 'RUN',
    }),
    resume: Flags.string({
      description: 'A partial result of this sweep: its runs are written again, not run.',
      helpGroup: 'RUN',
    }),
    halving: Flags.integer({
      description:
        'Adaptive: successive halving by this factor (3): all runs on a short first slice of the data, the best third on a slice 3x longer, ..., the survivors on all of it.',
      helpGroup: 'SPACE',
    }),
    'walk-forward': Flags.string({
      description:
        'train=D,test=D[,step=D][,anchored]: optimise on each training window, run the winner on the test window after it; sweep_fold records, then the stitched out-of-sample run.',
      helpGroup: 'WALK-FORWARD',
    }),
    split: Flags.string({
      description: 'One fold: optimise on this fraction of the time span (0.7), test on the rest.',
      helpGroup: 'WALK-FORWARD',
    }),
    keep: Flags.integer({
      description: 'Also write the full backtest output of the best N runs, one file per run in --keep-dir.',
      min: 1,
      helpGroup: 'OBJECTIVE',
    }),
    'keep-dir': Flags.string({
      description: 'Where --keep writes run-<id>.ndjson.',
      default: 'sweep-runs',
      helpGroup: 'OBJECTIVE',
    }),
    timings: Flags.boolean({
      description: "Add each run's wall time (wall_ms); the output then differs from run to run.",
      default: false,
      helpGroup: 'RUN',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'No closing line on stderr.', default: false }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { argv, flags } = await this.parse(Sweep);
    const files = argv as string[];
    const objective = {
      metric: flags.minimize ?? flags.maximize ?? 'sharpe_ratio',
      direction: flags.minimize === undefined ? ('maximize' as const) : ('minimize' as const),
      minTrades: flags['min-trades'],
    };
    let output: RecordStream;
    let failed = 0;
    if (flags.merge) {
      const inputs = files.length === 0 ? [undefined] : files;
      const records: WireRecord[] = [];
      for (const f of inputs)
        records.push(
          ...(await collect(
            f === undefined ? this.records(undefined, flags) : readResults(f, this.io.stdin),
          )),
        );
      output = mergeSweep(records, objective, flags.top, (n) => {
        failed = n;
      });
    } else {
      if (files.length > 1)
        throw new UsageError(
          `one input FILE, found ${files.length} (${files.join(' ')}); --merge takes many`,
        );
      const riskFree = Number(flags['risk-free']);
      if (flags['risk-free'].trim() === '' || !Number.isFinite(riskFree) || riskFree <= -1)
        throw new UsageError(`--risk-free: expected a rate such as 0.04, found "${flags['risk-free']}"`);
      const { config, params } = configFromFlags(flags as never);
      const strategy = flags.strategy ?? config.strategy.name;
      // An unknown strategy is a usage error before the data is read (an exec: one is started and ended).
      (await loadStrategy(strategy, params, { config })).close?.(false);
      const instruments = await readInstruments(flags.instruments, this.io.stdin);
      const runs = new RunsProgress();
      const request: SweepRequest = {
        grid: flags.grid,
        ...(flags.space === undefined ? {} : { space: { json: readJson(flags.space), source: flags.space } }),
        ...(flags.where === undefined ? {} : { where: flags.where }),
        maxRuns: flags['max-runs'],
        ...(flags.samples === undefined ? {} : { samples: flags.samples, seed: flags.seed ?? 0 }),
        objective,
        top: flags.top,
        ctx: {
          strategy,
          params,
          config,
          ...(instruments === undefined ? {} : { instruments }),
          source: 'stdin',
          summary: {
            interval: parseStatInterval(flags.interval, '--interval'),
            period: parseStatInterval(flags.period, '--period'),
            riskFree,
            minPeriods: flags['min-periods'],
          },
        },
        threads: flags.jobs ?? availableParallelism(),
        ...(flags.shard === undefined ? {} : { shard: flags.shard }),
        ...(flags['shard-count'] === undefined ? {} : { shardCount: flags['shard-count'] }),
        env: process.env,
        ...(flags.resume === undefined
          ? {}
          : {
              resume: {
                records: await collect(readResults(flags.resume, this.io.stdin)),
                source: flags.resume,
              },
            }),
        timings: flags.timings,
        ...(flags.halving === undefined ? {} : { halving: flags.halving }),
        ...(flags['walk-forward'] === undefined ? {} : { walkForward: flags['walk-forward'] }),
        ...(flags.split === undefined ? {} : { split: splitFraction(flags.split) }),
        ...(flags.keep === undefined
          ? {}
          : {
              keep: {
                count: flags.keep,
                dir: flags['keep-dir'],
                onKept: (kept: string[]) => {
                  if (!flags.quiet) this.say(`the best ${kept.length} runs in full: ${kept.join(', ')}`);
                },
              },
            }),
        stopped: () => this.abort.signal.aborted,
        warn: (m) => this.warn(m),
        onFailed: (n) => {
          failed = n;
        },
        onProgress: (done, total) => runs.update(done, total),
      };
      const fromStore = storeOptions(
        flags,
        files[0],
        flags['store-interval'],
        '--store-interval',
        this.abort.signal,
      );
      if (fromStore === undefined) {
        // One progress line (progress.ts decides: a terminal, not CI, or --progress): the input read,
        // then the runs done, of how many, and an ETA.
        const opened = this.rawInput(files[0], { ...flags, progress: false });
        this.startProgress(flags.progress, opened.input, () => runs.text());
        const input = readRecords(opened.input, opened.policy, opened.maxLineBytes);
        output = runSweep(input, { ...request, policy: opened.policy }, this.inputName);
      } else output = runSweep(storeRead(fromStore), request, fromStore.dir);
    }
    await this.write(output);
    if (this.abort.signal.aborted && !this.outputClosed)
      this.say('interrupted: the finished runs are written; --resume with this output finishes the sweep');
    if (failed > 0)
      throw new TickpipeError(`${failed} run${failed === 1 ? '' : 's'} failed (see their "error")`);
  }
}

function splitFraction(text: string): number {
  const f = Number(text);
  if (text.trim() === '' || !(f > 0 && f < 1))
    throw new UsageError(`--split: expected a fraction between 0 and 1 (0.7), found "${text}"`);
  return f;
}

/** A result file's records (sweep_run, sweep_summary), read like any input. */
function readResults(path: string, stdin: Parameters<typeof openInput>[1]): RecordStream {
  return readRecords(openInput(path, stdin), new ErrorPolicy('fail'));
}

/**
 * The runs part of the progress line: `12/64 runs, ETA 0:40`. The ETA is the runs left times the
 * mean time between results since the first (the time to the first, parse and start-up, is no run's;
 * runs resumed from a file are counted done and kept out of the mean).
 */
export class RunsProgress {
  private done = 0;
  private total = 0;
  private firstAt = 0;
  private firstDone = 0;

  constructor(private readonly now: () => number = Date.now) {}

  update(done: number, total: number): void {
    if (this.total === 0) {
      this.firstAt = this.now();
      this.firstDone = done;
    }
    this.done = done;
    this.total = total;
  }

  text(): string {
    if (this.total === 0) return 'no run finished yet';
    let text = `${this.done}/${this.total} runs`;
    const since = this.done - this.firstDone;
    if (this.done < this.total && since > 0) {
      const per = (this.now() - this.firstAt) / since;
      text += `, ETA ${formatDuration(((this.total - this.done) * per) / 1000)}`;
    }
    return text;
  }
}
