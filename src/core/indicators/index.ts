/**
 * Streaming indicators: one value in, the current value out, O(window) memory and O(1) work per
 * value (amortised). Each returns `undefined` until it has seen enough values (its warm-up). Window
 * sums are exactly rounded (exact-sum.ts), so they cannot drift and averages equal to the last digit
 * compare equal. Formulas are in docs/strategies.md and docs/features.md.
 */

import { EMA, SMA, WilderAverage } from './averages.js';
import { MACD, RSI } from './momentum.js';
import { RollingBeta } from './regression.js';
import { CrossOver } from './signals.js';
import { ATR, Bollinger, ZScore } from './volatility.js';
import { VWAP } from './volume.js';

export { EMA, SMA, WilderAverage } from './averages.js';
export { ExactSum } from './exact-sum.js';
export { MACD, type MacdValue, RSI } from './momentum.js';
export { RollingBeta } from './regression.js';
export { CrossOver } from './signals.js';
export { ATR, type BandsValue, Bollinger, trueRange, ZScore } from './volatility.js';
export { VWAP } from './volume.js';
export { Window } from './window.js';

/** The indicator constructors, as strategies receive them (`ctx.indicators`, `tools.indicators`). */
export const indicators = {
  SMA,
  EMA,
  WilderAverage,
  RSI,
  MACD,
  Bollinger,
  ATR,
  ZScore,
  RollingBeta,
  VWAP,
  CrossOver,
};
export type Indicators = typeof indicators;
