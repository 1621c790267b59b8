import { Args, Flags } from '@oclif/core';
import {
  type BacktestFlags,
  configFromFlags,
  readInstruments,
  storeOptions,
} from '../cli/backtest-options.js';
import { commonFlags, inputFlags, quietFlag, TickpipeCommand } from '../cli/base.js';
import { didYouMean } from '../cli/suggest.js';
import {
  backtest,
  backtestNdjson,
  createEngine,
  type LoadedStrategy,
  loadStrategy,
} from '../core/backtest/backtest.js';
import { type BacktestConfig, FILL_MODELS } from '../core/backtest/config.js';
import { DEFAULT_TIMEOUT_S } from '../core/backtest/exec/exec-strategy.js';
import { RejectionTally } from '../core/backtest/rejections.js';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies.js';
import { UsageError } from '../core/errors.js';
import { readCandleRecords } from '../core/io/pipeline.js';
import type { ByteStream, RecordStream } from '../core/io/stream.js';
import type { WireRecord } from '../core/records/record.js';
import { parseStatInterval } from '../core/stats/interval.js';
import { Summarizer, withSummary } from '../core/stats/summary.js';

const riskFlag = (description: string) => Flags.string({ description, helpGroup: 'RISK' });

export default class Backtest extends TickpipeCommand {
  static override summary = 'Run a strategy over market records with simulated execution and risk checks.';

  static override description =
    `Reads market records (candle, trade, quote, book, funding) in time order, shows each to the strategy, passes its orders through the risk manager (tick and lot rounding, minimum notional, limits, free balance with fees) and the execution simulator (fill rules in docs/execution.md), and writes what happened: "order" (every state change), "fill", "position" (on open and close), "balance" (after every change) and "equity" (at every candle close, or every --equity-every of event time for finer data). Engine records in the input act at their time: balance, trading_state, command, disconnect. Other records are ignored.

The run is driven by the records' times only (no wall clock): the same input, configuration and --seed give byte-identical output. A decision taken on a record fills on a later one (the next candle's open by default), never at a price it could not have had.

Configuration: --config FILE (JSON, docs/backtest.md; barter's system_config.json is read too), every key also settable by a flag that overrides it. Without balances the account starts with 10000 of the quote asset.

Built-in strategies: ${BUILTIN_STRATEGIES.map((s) => s.name).join(', ')} (docs/strategies.md); or --strategy ./my-strategy.js; or --strategy exec:COMMAND, a program in any language that reads one JSON line per event and answers one line of intents (docs/strategy-protocol.md).`;

  static override examples = [
    {
      description: 'SMA crossover on generated candles, 0.1% fees, a summary of the equity curve',
      command:
        '<%= config.bin %> generate candles --count 10000 | <%= config.bin %> <%= command.id %> --strategy sma-cross --param fast=10 --param slow=30 --fees maker=10,taker=10',
    },
    {
      description: 'A configuration file, its sizing overridden',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --config backtest.json --sizing percent-equity:0.25',
    },
    {
      description: 'Market making on a rebuilt book with 5 ms latency',
      command:
        '<%= config.bin %> connect --replay capture.gz | <%= config.bin %> orderbook | <%= config.bin %> <%= command.id %> --strategy market-maker --latency-ms 5 --balance binance_spot:usdt=10000 --balance binance_spot:btc=1',
    },
    {
      description:
        'A strategy in Python, a process speaking NDJSON (docs/strategy-protocol.md), 5 s per reply at most',
      command:
        "<%= config.bin %> <%= command.id %> candles.ndjson --strategy 'exec:python3 examples/strategies/sma_cross.py' --param fast=10 --strategy-timeout 5s",
    },
    {
      description: 'Your own strategy module',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --strategy ./examples/breakout.js --param window=20',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    config: Flags.string({ description: 'Configuration file (JSON; barter system_config.json accepted).' }),
    instruments: Flags.string({
      description:
        'File of "instrument" records (as fetch --kind instruments writes) for tick, lot and minimum notional.',
    }),
    strategy: Flags.string({
      description:
        "A built-in strategy name, a module path (./my-strategy.js, or .ts), or exec:'COMMAND', a process speaking NDJSON (docs/strategy-protocol.md).",
      // -s is --symbol everywhere else; here it is a deprecated spelling of --strategy for a release.
      charAliases: ['s'],
      deprecateAliases: true,
    }),
    'strategy-timeout': Flags.string({
      description: `With --strategy exec:...: how long one reply may take (10s, 500ms; default ${DEFAULT_TIMEOUT_S}s); then the process is killed and the run ends with exit 1.`,
    }),
    param: Flags.string({
      description: 'A strategy parameter KEY=VALUE (repeatable, or comma-separated: fast=10,slow=30).',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
    }),
    params: Flags.string({ description: 'Strategy parameters as a JSON object.' }),
    balance: Flags.string({
      description:
        'A starting balance EXCHANGE:ASSET=AMOUNT, or EXCHANGE:ASSET=AMOUNT,free=AMOUNT to hold the rest outside the run (repeatable, or comma-separated: binance_spot:usdt=10000,binance_spot:btc=1; replaces the configured ones).',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
    }),
    sizing: Flags.string({
      description:
        'fixed-amount:A, fixed-notional:Q, percent-equity:F (0.25 = a quarter), kelly:F (a fraction of the Kelly bet). Default percent-equity:0.25.',
    }),
    fees: Flags.string({ description: 'Fees in bps of notional: maker=2,taker=10.', helpGroup: 'EXECUTION' }),
    'slippage-bps': Flags.string({
      description: 'Market orders move this many bps against the trader.',
      helpGroup: 'EXECUTION',
    }),
    'impact-bps': Flags.string({
      description: 'More slippage, in bps per 1,000,000 of quote notional.',
      helpGroup: 'EXECUTION',
    }),
    'latency-ms': Flags.string({
      description: 'Order entry and cancel latency, in event time.',
      helpGroup: 'EXECUTION',
    }),
    'fill-model': Flags.string({
      description: 'What fills orders (default auto: the finest data seen for the instrument).',
      options: [...FILL_MODELS],
      helpGroup: 'EXECUTION',
    }),
    'fill-at': Flags.string({
      description: "Candle data: market orders fill at the next candle's open, or the signal candle's close.",
      options: ['next-open', 'close'],
      helpGroup: 'EXECUTION',
    }),
    'candle-both-legs': Flags.string({
      description:
        "Candle data: when one candle's range holds both a bracket's stop and its take-profit, which triggers first (conservative default: the stop).",
      options: ['stop', 'take_profit'],
      helpGroup: 'EXECUTION',
    }),
    'fill-at-touch': Flags.boolean({
      description:
        'Candle data: a resting limit fills when the price only touches it (default: trades through).',
      helpGroup: 'EXECUTION',
      allowNo: true,
    }),
    'allow-short': Flags.boolean({
      description: 'Spot accounts may sell what they do not hold.',
      helpGroup: 'EXECUTION',
      allowNo: true,
    }),
    'max-order-notional': riskFlag('Refuse orders above this quote notional.'),
    'max-position-notional': riskFlag('Refuse orders that would take a position above this quote notional.'),
    'max-position-amount': riskFlag('Refuse orders that would take a position above this amount.'),
    'max-leverage': riskFlag(
      'Refuse orders that would take gross exposure above this multiple of equity (also the perpetual margin divisor).',
    ),
    'max-exposure-percent': riskFlag('Refuse orders that would take gross exposure above this % of equity.'),
    'max-open-orders': riskFlag('Refuse limit orders beyond this many open.'),
    'daily-loss-limit-percent': riskFlag(
      "Switch trading off for the rest of the UTC day after losing this % of the day's starting equity.",
    ),
    'close-at-end': Flags.boolean({
      description:
        'Close open positions at the last price at the end of input (--no-close-at-end: keep them, marked to the last price).',
      allowNo: true,
    }),
    'equity-every': Flags.string({
      description:
        'Equity records every this much event time when the data is finer than candles (default 1m).',
    }),
    'on-disable': Flags.string({
      description: 'When a trading_state record disables trading: keep positions, or close them.',
      options: ['keep', 'close'],
    }),
    'strict-instruments': Flags.boolean({
      description:
        'A record for an instrument the configuration does not know is an error (default: a warning and no rounding rules).',
      allowNo: true,
    }),
    seed: Flags.integer({ description: 'Seed for anything random (the run is deterministic either way).' }),
    summary: Flags.boolean({
      description:
        'End the output with a "summary" record, as tickpipe summarize writes it (docs/statistics.md).',
      default: false,
      helpGroup: 'SUMMARY',
    }),
    'summary-interval': Flags.string({
      description:
        'With --summary: the interval ratios are expressed in (daily, annual_252, annual_365, 30d).',
      default: 'annual_365',
      helpGroup: 'SUMMARY',
    }),
    'summary-period': Flags.string({
      description: 'With --summary: the length of the periods equity returns are taken over.',
      default: '1d',
      helpGroup: 'SUMMARY',
    }),
    'risk-free': Flags.string({
      description:
        "With --summary: the risk-free rate of return per --summary-interval (default: the configuration's risk_free_return, as barter's system_config.json gives it, else 0).",
      helpGroup: 'SUMMARY',
    }),
    quiet: quietFlag('No run summary on stderr (records, orders, rejections, fills).'),
    store: Flags.string({
      description: 'Read the market records from this columnar store (store write) instead of FILE.',
      helpGroup: 'STORE',
    }),
    symbol: Flags.string({
      description: 'With --store: the symbol(s) to read, comma-separated or repeated; default all.',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
      helpGroup: 'STORE',
    }),
    kind: Flags.string({
      description: 'With --store: the kind of records to read.',
      default: 'candles',
      helpGroup: 'STORE',
    }),
    interval: Flags.string({
      description:
        'With --store: only candles of this interval (1m, 1h, ...); needed when the store has several for a symbol.',
      dependsOn: ['store'],
      helpGroup: 'STORE',
    }),
    from: Flags.string({
      description: 'With --store: start (inclusive), a UTC date or ISO time.',
      dependsOn: ['store'],
      helpGroup: 'STORE',
    }),
    to: Flags.string({
      description: 'With --store: end (exclusive), a UTC date or ISO time.',
      dependsOn: ['store'],
      helpGroup: 'STORE',
    }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Backtest);
    const { config, params } = configFromFlags(flags);
    const spec = flags.strategy ?? config.strategy.name;
    const instruments = await readInstruments(flags.instruments, this.io.stdin);
    const strategy = await loadStrategy(spec, params, {
      config,
      ...(instruments === undefined ? {} : { instruments }),
    }).catch((error: unknown) => {
      throw strategyHint(error, spec);
    });
    try {
      await this.runWith(args.file, flags, config, strategy, instruments);
      strategy.close?.(!this.abort.signal.aborted);
    } finally {
      strategy.close?.(false);
    }
  }

  private async runWith(
    file: string | undefined,
    flags: BacktestFlags,
    config: BacktestConfig,
    strategy: LoadedStrategy,
    instruments: WireRecord[] | undefined,
  ): Promise<void> {
    const args = { file };
    // --store: the records straight from a columnar store (docs/store.md), no NDJSON in between.
    const fromStore = storeOptions(flags, args.file, flags.interval, '--interval', this.abort.signal);
    const opened = fromStore === undefined ? this.rawInput(args.file, flags) : undefined;
    const policy = opened?.policy;
    const input =
      fromStore === undefined
        ? readCandleRecords(opened!.input, opened!.policy, opened!.maxLineBytes)
        : // checked by column, not validated again. (Imported here: the store's DuckDB binding
          // takes a tenth of a second to load.)
          (await import('../core/store/read.js')).storeRead({ ...fromStore, markValid: true });
    const engine = createEngine({
      config,
      strategy,
      source: this.inputName,
      warn: (m) => this.warn(m),
      ...(instruments === undefined ? {} : { instruments }),
    });
    const rejections = new RejectionTally();
    const tally = (r: WireRecord) => rejections.observe(r);
    const base = {
      source: this.inputName,
      ...(policy === undefined ? {} : { policy }),
      fillModel: config.execution.fill_model,
    };
    const options = { ...base, observe: tally };
    let output: RecordStream | ByteStream;
    if (flags.summary) {
      const text = flags['risk-free'] ?? String(config.risk_free_return ?? 0);
      const riskFree = Number(text);
      if (text.trim() === '' || !Number.isFinite(riskFree) || riskFree <= -1)
        throw new UsageError(`--risk-free: expected a rate such as 0.04, found "${text}"`);
      const summarizer = new Summarizer({
        interval: parseStatInterval(flags['summary-interval'], '--summary-interval'),
        period: parseStatInterval(flags['summary-period'], '--summary-period'),
        riskFree,
      });
      output = withSummary(backtest(input, engine, options), summarizer);
    } else if (flags.format === 'ndjson') {
      // The lines made with the records; only rejected orders are made as records too (the tally
      // reads nothing else).
      output = backtestNdjson(input, engine, { ...base, onRejected: tally });
    } else output = backtest(input, engine, options);
    await this.write(output);
    if (this.outputClosed) return;
    const r = engine.report;
    this.summary(
      `${strategy.name}: ${r.records} records, ${r.orders} orders (${r.rejected} rejected), ${r.fills} fills, ${r.positionsClosed} positions closed`,
      flags.quiet,
      r.rejected > 0,
    );
    // Shown also with --quiet: a run whose orders were refused is not a quiet success.
    const rejected = rejections.message(r.orders);
    if (rejected !== undefined) this.warn(rejected);
  }
}

/** The flags `backtest` and `sweep` share. */
/** An unknown built-in strategy name, with the closest one ("smacross": "sma-cross"). */
function strategyHint(error: unknown, spec: string): unknown {
  if (!(error instanceof UsageError) || !error.message.startsWith('unknown strategy')) return error;
  const hint = didYouMean(
    spec,
    BUILTIN_STRATEGIES.map((s) => s.name),
  );
  return hint === '' ? error : new UsageError(`${error.message}.${hint}`);
}
