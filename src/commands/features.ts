import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, TickpipeCommand } from '../cli/base.js';
import { FeatureStage, featuresNdjson } from '../core/features/features.js';
import { featureCatalogue } from '../core/features/registry.js';

const catalogue = featureCatalogue()
  .map((f) => `  ${f.name}${f.params === '' ? '' : `:${f.params.replace(/[a-z]+=/g, '')}`}  ${f.summary}`)
  .join('\n');

export default class Features extends TickpipeCommand {
  static override summary =
    'Appends indicator columns (sma_20, rsi_14, macd_12_26_9_signal, ...) to candle records.';

  static override description =
    `Computes streaming indicators over the candles of each instrument and interval and writes each candle with the indicators' columns added, in one pass. A column is null until its indicator has seen enough candles (its warm-up). Other records pass through unchanged.

Each --add NAME[:P1,P2,...] adds one indicator; parameters left out take their defaults. Columns are named by the indicator and its parameters joined by "_" (defaults included: --add rsi writes rsi_14), with "_<part>" for further outputs (macd_12_26_9, macd_12_26_9_signal, macd_12_26_9_histogram). The indicators and their defaults:

${catalogue}

docs/features.md has the formulas and warm-ups.`;

  static override examples = [
    {
      description: 'A moving average, RSI and MACD on hourly candles',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --add sma:20 --add rsi:14 --add macd:12,26,9',
    },
    {
      description: 'Features for a model: returns, log returns, volatility, a z-score, ATR',
      command:
        '<%= config.bin %> generate candles --count 1000 | <%= config.bin %> <%= command.id %> --add returns:1 --add logret:1 --add rollvol:20 --add zscore:20 --add atr:14',
    },
    {
      description: 'Trend and volume indicators with their defaults',
      command:
        '<%= config.bin %> <%= command.id %> candles.ndjson --add adx --add stoch --add obv --add mfi --add psar',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      ignoreStdin: true,
    }),
  };

  static override flags = {
    add: Flags.string({
      description: 'An indicator to add, NAME[:PARAMS] (repeatable): sma:20, macd:12,26,9, bollinger:20,2.',
      multiple: true,
      required: true,
    }),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Features);
    const { input, policy, maxLineBytes } = this.rawInput(args.file, flags);
    // After the input is opened: its name is the place of every message.
    const stage = new FeatureStage({ specs: flags.add, source: this.inputName });
    await this.write(
      featuresNdjson(
        { chunks: input.chunks, source: input.name, policy, maxLineBytes, signal: input.signal },
        stage,
      ),
    );
  }
}
