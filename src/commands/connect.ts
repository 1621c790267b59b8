import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { Flags } from '@oclif/core';
import { commonFlags, quietFlag, TickpipeCommand } from '../cli/base.js';
import { UsageError } from '../core/errors.js';
import { connectLive } from '../core/exchanges/live.js';
import { LIVE_EXCHANGES, type LiveExchange } from '../core/exchanges/live-links.js';
import { replayCapture } from '../core/exchanges/replay.js';
import { wholeFile } from '../core/io/whole-file.js';
import { parseDuration } from '../core/records/time.js';

export default class Connect extends TickpipeCommand {
  static override summary =
    'Market data from Binance and Bybit as normalised records: live, or a recorded capture replayed (--replay).';

  static override description =
    `--replay FILE feeds a recorded capture through the venue parsers and book synchronisers (docs/orderbook.md) and writes normalised records: book (a snapshot first, then deltas that pass tickpipe orderbook's checks), quote, trade and candle, each with the venue's time as "time" and the receive time as "local_time". A sequence gap in a book writes a "disconnect" record for it, and its deltas wait for the next snapshot in the capture.

Layouts: hftbacktest's "<ns> <json>" lines (also what connect --record will write), cryptofeed's "<seconds>: <json>" lines with its REST snapshots in --rest-file, and Bybit's orderbook history archive (.data or its zip). Gzip is read transparently.

Live (without --replay): --exchange, --symbol and --channels (trades, quotes, book, candles:1m, liquidations) open the venue's public websocket (Binance combined streams; Bybit v5 with its subscribe and ping messages). Binance books follow the venue's local-book procedure: the diff stream is buffered, a REST depth snapshot taken, what it contains dropped, every update's sequence checked; a gap writes a "disconnect" record and the book is re-synchronised. A broken, silent (--stale-after) or shut-down connection writes a "disconnect" record at the break and is replaced with exponential backoff and jitter (from 125 ms, doubling, at most 60 s). liquidations (futures and perpetuals only: Binance <symbol>@forceOrder, Bybit allLiquidation.<symbol>) are written as "venue_liquidation" records, side being the liquidation order's (docs/format.md). --record FILE.gz keeps every raw frame and REST snapshot with its receive time, so --replay FILE gives the same records. --duration and --max-records end the session with exit 0; SIGINT and SIGTERM close it, flush and exit 130 or 143. docs/connect.md has the details.`;

  static override examples = [
    {
      description: 'Live Binance spot trades, quotes and books for two symbols, recorded for replay',
      command:
        '<%= config.bin %> <%= command.id %> -e binance_spot --symbol BTCUSDT,ETHUSDT --channels trades,quotes,book --record today.gz',
    },
    {
      description: 'Paper trading on a live Bybit book for ten minutes',
      command:
        '<%= config.bin %> <%= command.id %> -e bybit_perpetuals_usd --symbol BTCUSDT --channels book --duration 10m | <%= config.bin %> orderbook | <%= config.bin %> backtest --strategy market-maker',
    },
    {
      description: 'Liquidations and trades on Binance USD-M for an hour',
      command:
        '<%= config.bin %> <%= command.id %> -e binance_futures_usd --symbol BTCUSDT,ETHUSDT --channels liquidations,trades --duration 1h > liquidations.ndjson',
    },
    {
      description:
        'Liquidations of Bybit inverse perpetuals (Bybit reports the position; tickpipe the closing order)',
      command:
        '<%= config.bin %> <%= command.id %> -e bybit_perpetuals_inverse --symbol BTCUSD --channels liquidations',
    },
    {
      description: 'A Binance spot capture rebuilt into quotes with book features',
      command:
        '<%= config.bin %> <%= command.id %> --replay btcusdt_20240808.gz | <%= config.bin %> orderbook',
    },
    {
      description: 'A cryptofeed capture with its REST snapshot file',
      command: '<%= config.bin %> <%= command.id %> --replay BINANCE.ws.1.0 --rest-file BINANCE.http.0.0',
    },
    {
      description: "Bybit's orderbook archive, at the speed it was recorded",
      command: '<%= config.bin %> <%= command.id %> --replay xrpusdt-ob500.data.zip --pace realtime',
    },
  ];

  static override flags = {
    replay: Flags.string({ description: 'Replay this recorded capture instead of connecting.' }),
    'rest-file': Flags.string({
      description: 'cryptofeed layout: the file of REST snapshots recorded with the capture.',
    }),
    exchange: Flags.string({
      char: 'e',
      description: 'The venue (needed live; with --replay, inferred from the messages by default).',
      options: [...LIVE_EXCHANGES],
    }),
    pace: Flags.string({
      description: 'As fast as possible, or at the speed it was recorded.',
      options: ['fast', 'realtime'],
      default: 'fast',
    }),
    'max-records': Flags.integer({ description: 'Stop after this many records (exit 0).', min: 1 }),
    symbol: Flags.string({
      char: 's',
      description: 'Live: symbol(s), comma-separated or repeated: BTCUSDT,ETHUSDT.',
      multiple: true,
      default: [],
      aliases: ['symbols'],
      deprecateAliases: true,
    }),
    channels: Flags.string({
      description: 'Live: trades, quotes, book, candles:1m, liquidations (comma-separated).',
      default: 'trades,quotes',
    }),
    duration: Flags.string({ description: 'Live: end after this long (30s, 10m, 2h), exit 0.' }),
    record: Flags.string({
      description:
        'Live: also write every raw frame and REST snapshot, "<ns> <json>" per line, gzip, for --replay.',
    }),
    endpoint: Flags.string({ description: "Live: the websocket endpoint (default: the venue's)." }),
    'rest-url': Flags.string({
      description:
        "Live: Binance's REST API root for book snapshots, as fetch --rest-url takes it (default: the venue's, https://api.binance.com, ...).",
    }),
    'rest-endpoint': Flags.string({
      description:
        "Live: Binance's full REST depth endpoint URL (deprecated: give the root with --rest-url).",
      hidden: true,
      deprecated: {
        message: 'The "--rest-endpoint" flag has been deprecated. Use "--rest-url" (the API root) instead.',
      },
      exclusive: ['rest-url'],
    }),
    'stale-after': Flags.string({
      description: 'Live: a connection silent this long is dead and is replaced.',
      default: '30s',
    }),
    quiet: quietFlag('No summary on stderr (and no reconnect messages).'),
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { flags } = await this.parse(Connect);
    if (flags.replay === undefined) {
      await this.live(flags);
      return;
    }
    let stats:
      | {
          frames: number;
          gaps: number;
          staleDropped: number;
          malformed: number;
          refused: number;
          exchange: string;
        }
      | undefined;
    const warn = this.refusals();
    this.startProgress(flags.progress);
    await this.write(
      replayCapture(flags.replay, {
        exchange: flags.exchange,
        restFile: flags['rest-file'],
        pace: flags.pace as 'fast' | 'realtime',
        signal: this.abort.signal,
        maxRecords: flags['max-records'],
        onStats: (s) => {
          stats = s;
        },
        warn,
      }),
    );
    if (stats !== undefined)
      this.summary(
        `${stats.exchange}: ${stats.frames} messages, ${stats.gaps} book gap${stats.gaps === 1 ? '' : 's'}, ${stats.staleDropped} stale updates dropped${stats.malformed > 0 ? `, ${stats.malformed} not understood` : ''}${stats.refused > 0 ? `, ${stats.refused} records refused` : ''}`,
        flags.quiet,
        stats.gaps > 0 || stats.malformed > 0 || stats.refused > 0,
      );
  }

  /**
   * Where records the venue parser refused are said: on stderr, with --quiet too (data was left
   * out), the first ten in full and the rest counted in the summary.
   */
  private refusals(): (message: string) => void {
    let n = 0;
    return (message) => {
      n++;
      if (n <= 10) this.warn(message);
      if (n === 10) this.warn('further refused records are only counted');
    };
  }

  /** A live session: connectLive with the recording, signals, duration and record count. */
  private async live(flags: {
    exchange?: string | undefined;
    symbol: string[];
    channels: string;
    duration?: string | undefined;
    'max-records'?: number | undefined;
    record?: string | undefined;
    endpoint?: string | undefined;
    'rest-endpoint'?: string | undefined;
    'rest-url'?: string | undefined;
    'stale-after': string;
    quiet?: boolean | undefined;
    progress?: boolean | undefined;
  }): Promise<void> {
    if (flags.exchange === undefined)
      throw new UsageError('--exchange is needed for a live connection (or --replay FILE)');
    const symbols = flags.symbol
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
    if (symbols.length === 0) throw new UsageError('--symbol is needed for a live connection');
    const durationUs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
    if (flags.duration !== undefined && durationUs === undefined)
      throw new UsageError(`--duration: expected a duration such as 30s or 10m, found "${flags.duration}"`);
    const staleUs = parseDuration(flags['stale-after']);
    if (staleUs === undefined)
      throw new UsageError(`--stale-after: expected a duration such as 30s, found "${flags['stale-after']}"`);
    const recorder = flags.record === undefined ? undefined : openRecording(flags.record);
    const stats = { frames: 0, malformed: 0, refused: 0, connections: 0, snapshots: 0 };
    this.startProgress(flags.progress);
    try {
      await this.write(
        connectLive(
          {
            exchange: flags.exchange as LiveExchange,
            symbols,
            channels: flags.channels
              .split(',')
              .map((x) => x.trim())
              .filter((x) => x.length > 0),
            ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
            ...(flags['rest-endpoint'] === undefined ? {} : { restEndpoint: flags['rest-endpoint'] }),
            ...(flags['rest-url'] === undefined ? {} : { restUrl: flags['rest-url'] }),
            ...(durationUs === undefined ? {} : { durationMs: durationUs / 1000 }),
            ...(flags['max-records'] === undefined ? {} : { maxRecords: flags['max-records'] }),
            staleAfterMs: staleUs / 1000,
            signal: this.abort.signal,
            ...(recorder === undefined ? {} : { record: recorder.write }),
            log: (m) => {
              if (!flags.quiet) this.say(m);
            },
            warn: this.refusals(),
          },
          stats,
        ),
      );
    } finally {
      await recorder?.close();
    }
    this.summary(
      `${flags.exchange}: ${stats.frames} messages over ${stats.connections} connection${stats.connections === 1 ? '' : 's'}, ${stats.snapshots} book snapshots${stats.malformed > 0 ? `, ${stats.malformed} malformed frames skipped` : ''}${(stats.refused ?? 0) > 0 ? `, ${stats.refused} records refused` : ''}`,
      flags.quiet,
      stats.malformed > 0 || (stats.refused ?? 0) > 0,
    );
  }
}

/** A gzip recording written through a temporary name and renamed when complete (io/whole-file.ts). */
function openRecording(path: string): { write: (line: string) => void; close: () => Promise<void> } {
  const whole = wholeFile(path);
  const gz = createGzip();
  const file = createWriteStream(whole.path);
  gz.pipe(file);
  return {
    write: (line) => {
      gz.write(`${line}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        file.on('finish', () => {
          try {
            whole.commit();
            resolve();
          } catch (error) {
            reject(error);
          }
        });
        file.on('error', reject);
        gz.end();
      }),
  };
}
