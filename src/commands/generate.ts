import { Args, Flags } from '@oclif/core';
import { commonFlags, TickpipeCommand } from '../cli/base.js';
import { UsageError } from '../core/errors.js';
import {
  GENERATE_DEFAULTS as D,
  GENERATE_KINDS,
  type GenerateKind,
  generate,
} from '../core/generate/generate.js';
import { parseInterval } from '../core/records/interval.js';
import { parseDuration, parseTime } from '../core/records/time.js';

export default class Generate extends TickpipeCommand {
  static override summary = 'Generate synthetic market data: candles, trades, quotes or order book updates.';

  static override description =
    `Prices follow geometric Brownian motion (annualised volatility, 365-day year), optionally with jumps and volatility regimes. The output is deterministic for a given --seed: the same flags give the same bytes on every machine. Candles are internally consistent (low <= open, close <= high); books start with a snapshot and stay uncrossed and sequenced. The model is in docs/generate.md.`;

  static override examples = [
    {
      description: 'A day of 1-minute BTCUSDT candles',
      command: '<%= config.bin %> <%= command.id %> candles --count 1440 --from 2024-01-01',
    },
    {
      description:
        'A hundred thousand candles (about 70 days of minutes), with jumps and two volatility regimes',
      command:
        '<%= config.bin %> <%= command.id %> candles --count 100000 --seed 7 --jumps 0.5 --regimes 0.4,1.2 > candles.ndjson',
    },
    {
      description: 'Order book updates on a 2000-level book, up to 20 levels per update',
      command: '<%= config.bin %> <%= command.id %> book --depth 2000 --levels 20 --count 100000',
    },
    {
      description: 'Trades piped straight into the sanitiser',
      command:
        '<%= config.bin %> <%= command.id %> trades --rate 50 --count 10000 | <%= config.bin %> sanitize',
    },
  ];

  static override args = {
    kind: Args.string({
      description: 'What to generate.',
      options: [...GENERATE_KINDS],
      default: D.kind,
      ignoreStdin: true,
    }),
  };

  static override flags = {
    exchange: Flags.string({ description: 'Venue id written on each record.', default: D.exchange }),
    symbol: Flags.string({ description: 'Symbol written on each record.', default: D.symbol }),
    interval: Flags.string({ description: 'Candle interval (candles only).', default: D.interval }),
    from: Flags.string({ description: 'Start time: a UTC date or ISO time.', default: D.from }),
    count: Flags.integer({ description: 'Number of records.', default: D.count, min: 0 }),
    seed: Flags.integer({ description: 'Random seed (32-bit).', default: D.seed }),
    price: Flags.string({ description: 'Starting price.', default: String(D.price) }),
    volatility: Flags.string({
      description: 'Annualised volatility (0.6 = 60%).',
      default: String(D.volatility),
    }),
    drift: Flags.string({ description: 'Annualised drift (mu).', default: String(D.drift) }),
    'tick-size': Flags.string({
      description: 'Price increment; prices are multiples of it.',
      default: String(D.tickSize),
    }),
    'lot-size': Flags.string({
      description: 'Amount increment; amounts are multiples of it.',
      default: String(D.lotSize),
    }),
    jumps: Flags.string({
      description: 'Expected price jumps per day (0 = none).',
      default: String(D.jumpsPerDay),
    }),
    'jump-size': Flags.string({
      description: 'Standard deviation of a log jump.',
      default: String(D.jumpSize),
    }),
    regimes: Flags.string({
      description: 'Comma-separated annualised volatilities to switch between (overrides --volatility).',
    }),
    'regime-duration': Flags.string({
      description: 'Mean time spent in a regime.',
      default: D.regimeDuration,
    }),
    rate: Flags.string({ description: 'Events per second (trades, quotes, book).', default: String(D.rate) }),
    'daily-notional': Flags.string({
      description: 'Average quote notional traded per day (scales volumes and sizes).',
      default: String(D.dailyNotional),
    }),
    depth: Flags.integer({ description: 'Book levels per side (book only).', default: D.depth, min: 1 }),
    levels: Flags.integer({
      description: 'Most levels changed by one book update.',
      default: D.maxLevelsPerUpdate,
      min: 1,
    }),
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Generate);
    const interval = parseInterval(flags.interval);
    if (interval === undefined)
      throw new UsageError(
        `--interval: expected an interval such as 1m, 1h or 1d, found "${flags.interval}"`,
      );
    const from = parseTime(flags.from);
    if (from === undefined)
      throw new UsageError(`--from: expected a UTC date or ISO time, found "${flags.from}"`);
    const regimeMeanUs = parseDuration(flags['regime-duration']);
    if (regimeMeanUs === undefined) {
      throw new UsageError(
        `--regime-duration: expected a duration such as 12h or 1d, found "${flags['regime-duration']}"`,
      );
    }
    const regimes =
      flags.regimes === undefined ? [] : flags.regimes.split(',').map((v) => number('--regimes', v));
    this.startProgress(flags.progress, undefined, undefined, flags.count);
    await this.write(
      generate(
        {
          kind: args.kind as GenerateKind,
          exchange: flags.exchange,
          symbol: flags.symbol,
          interval,
          fromUs: from.us,
          count: flags.count,
          seed: flags.seed,
          price: number('--price', flags.price),
          volatility: number('--volatility', flags.volatility),
          drift: number('--drift', flags.drift),
          tickSize: number('--tick-size', flags['tick-size']),
          lotSize: number('--lot-size', flags['lot-size']),
          jumpsPerDay: number('--jumps', flags.jumps),
          jumpSize: number('--jump-size', flags['jump-size']),
          regimes,
          regimeMeanUs,
          rate: number('--rate', flags.rate),
          dailyNotional: number('--daily-notional', flags['daily-notional']),
          depth: flags.depth,
          maxLevelsPerUpdate: flags.levels,
        },
        this.abort.signal,
      ),
    );
  }
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag}: expected a number, found "${text}"`);
  return n;
}
