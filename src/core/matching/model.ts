/** Which data kinds fill an instrument's orders under the configured fill model (docs/execution.md). */

import type { FillModel } from '../backtest/config.js';
import type { Instrument } from '../market/instrument.js';
import { type DataKind, KIND_RANK } from '../market/market.js';

export function fillsFrom(model: FillModel, inst: Instrument, kind: DataKind): boolean {
  // Tick data (trades, quotes, books) complement each other; candles fill only without them.
  if (model === 'auto') return kind !== 'candle' || inst.finest <= KIND_RANK.candle;
  if (model === 'book') return kind === 'book' || kind === 'quote';
  return model === kind;
}
