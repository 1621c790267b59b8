import { readFileSync, statSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, quietFlag, TickpipeCommand } from '../cli/base.js';
import { nowFromEnv, timeFlag } from '../cli/time-flag.js';
import { TickpipeError, UsageError } from '../core/errors.js';
import {
  cacheFolder,
  type FetchReport,
  fetchMarketData,
  KINDS,
  type Kind,
  parseBarterConfig,
  readLocalFiles,
  type StoreTarget,
} from '../core/fetch/index.js';
import { checkSymbol } from '../core/fetch/venues.js';
import { ErrorPolicy, type OnError } from '../core/io/lines.js';
import { parseDuration, US_PER_MS } from '../core/records/time.js';

// timeFlag lives in cli/time-flag.ts (backtest imports it without loading the fetch command).
export { timeFlag };

function durationFlag(name: string, value: string): number {
  const us = parseDuration(value);
  if (us === undefined)
    throw new UsageError(`--${name}: expected a duration such as 30s or 2m, found "${value}"`);
  return us / US_PER_MS;
}

/** The files' bytes in all, for progress; undefined when one is standard input or cannot be read. */
function totalSize(files: readonly string[]): number | undefined {
  let total = 0;
  for (const f of files) {
    if (f === '-') return undefined;
    try {
      total += statSync(f).size;
    } catch {
      return undefined;
    }
  }
  return total;
}

export default class Fetch extends TickpipeCommand {
  static override summary =
    'Download market data from Binance and Bybit (archives and REST), or read local files, as records.';

  static override description =
    `Emits normalised records (docs/format.md) on stdout, in time order (several symbols merged), with the venue's ids kept.

Sources: the venue's public archive (data.binance.vision, public.bybit.com) for whole past days and months, and its REST API for the rest (today, a day not published yet) and for instruments and book snapshots. --source auto (the default) takes what it can from the archive and fills the rest from REST, with no overlap and no hole. Every archive file is checked against its published SHA-256 (.CHECKSUM), its zip structure and CRC, and a bound on its expanded size.

Ranges are half-open: --from inclusive, --to exclusive (default: now); each a UTC date, an ISO time, or relative to now for cron jobs: today, yesterday, -7d (whole days before today), -12h. Candles are selected by their open time: --from 2020-01-01 --to 2020-01-04 is three whole days.

With --cache DIR, downloaded files are kept under DIR with a manifest (DIR/manifest.ndjson: URL, SHA-256, checksum match, rows, first and last time, when). A second identical run downloads nothing and writes the same bytes; a nightly run downloads only what is new. Files are written under a temporary name and renamed when verified; a lock keeps two runs apart; an interrupted download resumes.

FILE arguments are files already on disk, read through the same parsers: Binance archive zips and CSVs, Bybit trade CSVs (.csv.gz), NDJSON, generic OHLCV CSVs with a header (Yahoo-style files work without flags), and barter market-data JSON (with --barter-config, the barter system_config.json its instrument indices refer to).

Exit status: 0 when everything asked for was delivered; 1 when something could not be (stderr and the manifest say which day, which URL and why; what could be delivered is written); 2 for a usage error. docs/fetch.md has the details.`;

  static override examples = [
    {
      description: 'Three days of BTCUSDT 1m candles from the archive, cached',
      command:
        '<%= config.bin %> <%= command.id %> --exchange binance_spot --symbol BTCUSDT --kind candles --interval 1m --from 2020-01-01 --to 2020-01-04 --cache ~/.cache/tickpipe',
    },
    {
      description: 'Aggregate trades of two symbols, merged in time order, up to now',
      command:
        '<%= config.bin %> <%= command.id %> --exchange binance_futures_usd --symbol BTCUSDT,ETHUSDT --kind agg_trades --from 2024-06-01',
    },
    {
      description: 'Tick size, lot size and minimum notional for the backtester',
      command:
        '<%= config.bin %> <%= command.id %> --exchange binance_spot --symbol BTCUSDT,ETHUSDT --kind instruments > instruments.ndjson',
    },
    {
      description: 'A nightly cron job: quiet unless something fails',
      command:
        '<%= config.bin %> <%= command.id %> --exchange bybit_perpetuals_usd --symbol BTCUSDT --kind trades --from 2024-01-01 --cache /data/cache --quiet > trades.ndjson',
    },
    {
      description: "An option contract's hourly candles (Binance options REST)",
      command:
        '<%= config.bin %> <%= command.id %> --exchange binance_options --symbol BTC-240628-60000-C --kind candles --interval 1h --from 2024-06-01 --to 2024-06-02',
    },
    {
      description: "Every Binance option's mark price, implied volatilities and greeks, now",
      command: '<%= config.bin %> <%= command.id %> --exchange binance_options --kind option_marks',
    },
    {
      description: 'A file downloaded by hand',
      command: '<%= config.bin %> <%= command.id %> BTCUSDT-1m-2020-01-01.zip --exchange binance_spot',
    },
    {
      description:
        'Kept in a columnar store (as store write does): run it again and the day is replaced, not doubled',
      command:
        '<%= config.bin %> <%= command.id %> BTCUSDT-1m-2020-01-01.zip --exchange binance_spot --store store --quiet',
    },
    {
      description: 'A Yahoo-style daily CSV, cleaned on a weekday calendar',
      command:
        '<%= config.bin %> <%= command.id %> orcl-1995-2014.txt | <%= config.bin %> sanitize --calendar weekdays',
    },
    {
      description: "A barter backtest's market data",
      command:
        '<%= config.bin %> <%= command.id %> binance_spot_market_data_with_disconnect_events.json --barter-config system_config.json',
    },
  ];

  static override args = {
    file: Args.string({
      description:
        'Files to read instead of downloading (zip, CSV, CSV.gz, NDJSON, barter JSON; - for standard input), merged in time order.',
      multiple: true,
      ignoreStdin: true,
    }),
  };

  static override flags = {
    exchange: Flags.string({
      char: 'e',
      description:
        'Venue: binance_spot, binance_futures_usd, binance_futures_coin, binance_options, bybit_spot, bybit_perpetuals_usd (with FILE arguments: the label for files that do not say it; "other" for a non-crypto source).',
    }),
    symbol: Flags.string({
      char: 's',
      description: 'Symbol(s) as the venue spells them, comma-separated or repeated: BTCUSDT,ETHUSDT.',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
    }),
    kind: Flags.string({
      char: 'k',
      description: 'What to fetch.',
      options: [...KINDS],
    }),
    interval: Flags.string({
      char: 'i',
      description:
        'Candle interval: 1s (Binance spot), 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M.',
    }),
    from: Flags.string({
      description:
        'Start, inclusive: a UTC date (2024-01-01), an ISO time, today, yesterday, or before now: -7d (whole days before today), -12h.',
    }),
    to: Flags.string({ description: 'End, exclusive (default: now); the same forms as --from.' }),
    source: Flags.string({
      description:
        'Where from: the archive for whole past days and REST for the rest (auto), or only one of them.',
      options: ['auto', 'archive', 'rest'],
      default: 'auto',
    }),
    cache: Flags.string({
      description:
        'Keep downloaded files in this folder, with a manifest; reuse them. Default: $TICKPIPE_CACHE if set. "default" is $XDG_CACHE_HOME/tickpipe (else ~/.cache/tickpipe); "none" turns the cache off for this run.',
    }),
    revalidate: Flags.boolean({
      description:
        'Check cached Binance files against their published .CHECKSUM and download again those the venue has replaced (one small request per file).',
      default: false,
    }),
    concurrency: Flags.integer({ description: 'Downloads at once.', default: 4, min: 1, max: 32 }),
    'base-url': Flags.string({
      description:
        'Archive root (a mirror, or a test server): default https://data.binance.vision or https://public.bybit.com.',
      helpGroup: 'NETWORK',
    }),
    'rest-url': Flags.string({
      description:
        "REST API root: default the venue's (https://api.binance.com, https://fapi.binance.com, ...).",
      helpGroup: 'NETWORK',
    }),
    timeout: Flags.string({
      description:
        'Give up on a request after this long without data, or after 20 times this in all (a slow drip), then retry (a download resumes).',
      default: '30s',
      helpGroup: 'NETWORK',
    }),
    retries: Flags.integer({
      description: 'Retries of a request after a network error, timeout or 5xx.',
      default: 4,
      min: 0,
      helpGroup: 'NETWORK',
    }),
    'lock-wait': Flags.string({
      description: 'How long to wait for another run holding the cache lock.',
      default: '10m',
      helpGroup: 'NETWORK',
    }),
    depth: Flags.integer({ description: 'Levels a side for --kind book.', default: 1000, min: 1, max: 5000 }),
    'max-entry-bytes': Flags.integer({
      description: 'Refuse a zip entry that expands beyond this many bytes (zip bombs).',
      default: 64 * 1024 ** 3,
      min: 1,
      helpGroup: 'INPUT',
    }),
    file: Flags.string({
      char: 'f',
      description: 'Deprecated spelling of the FILE argument (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
      hidden: true,
      deprecated: {
        message: 'The "--file" flag has been deprecated. Give the files as arguments: tickpipe fetch FILE...',
      },
      helpGroup: 'FILES',
    }),
    columns: Flags.string({
      description:
        'Generic CSV: which header names hold which fields, e.g. time=Date,open=o,high=h,low=l,close=c,volume=v (also date= and clock= for a split date and time).',
      helpGroup: 'FILES',
    }),
    'time-is': Flags.string({
      description: "Generic CSV: whether a row's time is the candle's open or close.",
      options: ['open', 'close'],
      default: 'open',
      helpGroup: 'FILES',
    }),
    'barter-config': Flags.string({
      description: "barter JSON: barter's system_config.json, whose instruments the file's indices refer to.",
      // --config is tickpipe's own configuration elsewhere (backtest); here it is a deprecated spelling.
      aliases: ['config'],
      deprecateAliases: true,
      helpGroup: 'FILES',
    }),
    verbose: Flags.boolean({
      char: 'v',
      description: 'One line per file on stderr, and every retry.',
      default: false,
    }),
    store: Flags.string({
      description:
        'Write the records into this columnar store as store write does (docs/store.md; a store_partition record per partition written, on stdout); nothing is written if any part could not be delivered.',
    }),
    quiet: quietFlag('Nothing on stderr but warnings and errors (for cron; no progress line either).', [
      'verbose',
    ]),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Fetch);
    const files = [...(args.file ?? []), ...(flags.file ?? [])];
    const symbols = flags.symbol
      .flatMap((s) => s.split(','))
      .filter((s) => s.trim().length > 0)
      .map(checkSymbol);
    const now = nowFromEnv();
    const clock = now ?? Date.now() * 1000;
    const from = timeFlag('from', flags.from, clock);
    const to = timeFlag('to', flags.to, clock);
    if (from !== undefined && to !== undefined && from >= to)
      throw new UsageError(`--from ${flags.from} is not before --to ${flags.to}`);
    const policy = new ErrorPolicy(flags['on-error'] as OnError, (m) => this.warn(m));
    this.useErrorPolicy(policy, flags['allow-errors']);
    const log = flags.verbose ? (m: string) => this.say(m) : undefined;
    if (files.length > 0) {
      let columns: Record<string, string> | undefined;
      if (flags.columns !== undefined) {
        columns = {};
        for (const part of flags.columns.split(',')) {
          const eq = part.indexOf('=');
          if (eq <= 0) throw new UsageError(`--columns: expected FIELD=NAME pairs, found "${part}"`);
          columns[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
        }
      }
      let barterConfig: ReturnType<typeof parseBarterConfig> | undefined;
      const barterPath = flags['barter-config'];
      if (barterPath !== undefined) {
        let text: string;
        try {
          text = readFileSync(barterPath, 'utf8');
        } catch (error) {
          throw new UsageError(`--barter-config ${barterPath}: ${(error as Error).message}`);
        }
        barterConfig = parseBarterConfig(text, barterPath);
      }
      if (symbols.length > 1)
        throw new UsageError('files take at most one --symbol (the label for files that do not say it)');
      let read = 0;
      this.startProgress(flags.progress, {
        name: files.length === 1 ? (files[0] ?? '') : `${files.length} files`,
        size: totalSize(files),
        bytesRead: () => read,
      });
      const range =
        from !== undefined || to !== undefined
          ? { from: from ?? Number.NEGATIVE_INFINITY, to: to ?? Number.POSITIVE_INFINITY }
          : undefined;
      await this.write(
        readLocalFiles(
          files,
          {
            exchange: flags.exchange,
            symbol: symbols[0],
            interval: flags.interval,
            kind: flags.kind as Kind | undefined,
            policy,
            maxEntryBytes: flags['max-entry-bytes'],
            signal: this.abort.signal,
            generic: {
              ...(columns === undefined ? {} : { columns }),
              timeIs: flags['time-is'] as 'open' | 'close',
            },
            barterConfig,
            stdin: this.io.stdin,
            onBytes: (n) => {
              read += n;
            },
          },
          range,
          this.storeTarget(flags.store),
        ),
      );
      this.stored(flags.store, policy.skipped > 0);
      return;
    }
    if (flags.exchange === undefined) throw new UsageError('give --exchange (or FILE arguments)');
    if (flags.kind === undefined) throw new UsageError(`give --kind (${KINDS.join(', ')})`);
    const run = fetchMarketData({
      exchange: flags.exchange,
      symbols,
      kind: flags.kind as Kind,
      interval: flags.interval,
      from,
      to,
      source: flags.source as 'auto' | 'archive' | 'rest',
      cacheDir: cacheFolder(flags.cache, process.env),
      concurrency: flags.concurrency,
      revalidate: flags.revalidate,
      baseUrl: flags['base-url'],
      restUrl: flags['rest-url'],
      policy,
      signal: this.abort.signal,
      now,
      http: {
        timeoutMs: durationFlag('timeout', flags.timeout),
        retries: flags.retries,
        ...(process.env.TICKPIPE_RETRY_BASE_MS === undefined
          ? {}
          : { retryBaseMs: Number(process.env.TICKPIPE_RETRY_BASE_MS) }),
      },
      maxEntryBytes: flags['max-entry-bytes'],
      depthLimit: flags.depth,
      lockWaitMs: durationFlag('lock-wait', flags['lock-wait']),
      store: this.storeTarget(flags.store),
      log,
      warn: (m) => this.warn(m),
    });
    const report = run.report;
    this.startProgress(
      flags.quiet ? false : flags.progress,
      undefined,
      () =>
        `${report.files} file${report.files === 1 ? '' : 's'}, ${((report.http?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB downloaded`,
    );
    await this.write(run.records);
    this.stored(flags.store, report.failures.length > 0 || policy.skipped > 0);
    this.finish(run.report, flags.quiet);
  }

  private storeTarget(dir: string | undefined): StoreTarget | undefined {
    return dir === undefined ? undefined : { dir, signal: this.abort.signal };
  }

  /** With --store: says when nothing was written (interrupted, or something not delivered). */
  private stored(dir: string | undefined, incomplete: boolean): void {
    if (dir === undefined || this.outputClosed) return;
    if (this.abort.signal.aborted) this.say(`interrupted: nothing was written to the store ${dir}`);
    else if (incomplete)
      this.warn(
        `nothing was written to the store ${dir}: not everything asked for was delivered (a partial day must not replace a whole one); the store keeps what it had`,
      );
  }

  private finish(report: FetchReport, quiet: boolean | undefined): void {
    const http = report.http;
    {
      const parts = [
        `${report.files} file${report.files === 1 ? '' : 's'} (${report.downloaded} downloaded, ${report.fromCache} from the cache)`,
      ];
      if (http !== undefined) parts.push(`${http.requests} request${http.requests === 1 ? '' : 's'}`);
      if (http !== undefined && http.retried > 0) parts.push(`${http.retried} retried`);
      if (http !== undefined && http.rateLimited > 0) parts.push(`${http.rateLimited} rate-limit pauses`);
      this.summary(parts.join(', '), quiet, report.failures.length > 0);
    }
    if (report.failures.length > 0) {
      const lines = report.failures.map((f) => `  ${f.symbol} ${f.what}: ${f.reason} (${f.url})`);
      throw new TickpipeError(
        `${report.failures.length} part${report.failures.length === 1 ? '' : 's'} of the range could not be delivered:\n${lines.join('\n')}`,
      );
    }
  }
}
