import { Flags } from '@oclif/core';
import { commonFlags, TickpipeCommand } from '../cli/base.js';
import { UsageError } from '../core/errors.js';
import { replayCapture } from '../core/exchanges/replay.js';

export default class Connect extends TickpipeCommand {
  static override summary =
    'Market data from Binance and Bybit as normalised records: a recorded capture replayed (--replay).';

  static override description =
    `--replay FILE feeds a recorded capture through the venue parsers and book synchronisers (docs/orderbook.md) and writes normalised records: book (a snapshot first, then deltas that pass tickpipe orderbook's checks), quote, trade and candle, each with the venue's time as "time" and the receive time as "local_time". A sequence gap in a book writes a "disconnect" record for it, and its deltas wait for the next snapshot in the capture.

Layouts: hftbacktest's "<ns> <json>" lines (also what connect --record will write), cryptofeed's "<seconds>: <json>" lines with its REST snapshots in --rest-file, and Bybit's orderbook history archive (.data or its zip). Gzip is read transparently.

Live connections (without --replay) are not available yet: they come with the connect issue.`;

  static override examples = [
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
      description: 'The venue (default: inferred from the messages).',
      options: [
        'binance_spot',
        'binance_futures_usd',
        'binance_futures_coin',
        'bybit_spot',
        'bybit_perpetuals_usd',
      ],
    }),
    pace: Flags.string({
      description: 'As fast as possible, or at the speed it was recorded.',
      options: ['fast', 'realtime'],
      default: 'fast',
    }),
    'max-records': Flags.integer({ description: 'Stop after this many records (exit 0).', min: 1 }),
    quiet: Flags.boolean({ char: 'q', description: 'No summary on stderr.', default: false }),
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { flags } = await this.parse(Connect);
    if (flags.replay === undefined)
      throw new UsageError(
        'live connections are not available yet; give --replay FILE to replay a recorded capture',
      );
    let stats:
      | { frames: number; gaps: number; staleDropped: number; malformed: number; exchange: string }
      | undefined;
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
      }),
    );
    if (!flags.quiet && !this.outputClosed && stats !== undefined)
      this.say(
        `${stats.exchange}: ${stats.frames} messages, ${stats.gaps} book gap${stats.gaps === 1 ? '' : 's'}, ${stats.staleDropped} stale updates dropped${stats.malformed > 0 ? `, ${stats.malformed} not understood` : ''}`,
      );
  }
}
