/**
 * Streaming indicators: one value (or candle) in, the current value out, O(window) memory and O(1)
 * work per value (amortised; CCI is O(window)). Each returns `undefined` until it has seen enough
 * values (its warm-up). Window sums are exactly rounded (exact-sum.ts), so they cannot drift and
 * averages equal to the last digit compare equal. Formulas: docs/strategies.md and docs/features.md.
 */

import { DEMA, EMA, SMA, TEMA, WilderAverage, WMA } from './averages.js';
import { Donchian, Keltner } from './channels.js';
import { MACD, RSI } from './momentum.js';
import { CCI, Momentum, ROC, Stochastic, WilliamsR } from './oscillators.js';
import { RollingBeta } from './regression.js';
import { LogReturn, Returns, RollingVolatility, StdDev } from './returns.js';
import { CrossOver } from './signals.js';
import { ADX, ParabolicSAR, TrueRange } from './trend.js';
import { ATR, Bollinger, ZScore } from './volatility.js';
import { AccumulationDistribution, CMF, MFI, OBV, VWAP } from './volume.js';

export { DEMA, EMA, SMA, TEMA, WilderAverage, WMA } from './averages.js';
export { Donchian, Keltner } from './channels.js';
export { DecimalSum, ExactSum } from './exact-sum.js';
export { RollingExtreme } from './extremes.js';
export { MACD, type MacdValue, RSI } from './momentum.js';
export { CCI, HighLow, Momentum, ROC, Stochastic, type StochasticValue, WilliamsR } from './oscillators.js';
export { RollingBeta } from './regression.js';
export { LogReturn, Returns, RollingVolatility, StdDev } from './returns.js';
export { CrossOver } from './signals.js';
export { ADX, type AdxValue, ParabolicSAR, TrueRange } from './trend.js';
export { ATR, type BandsValue, Bollinger, trueRange, ZScore } from './volatility.js';
export { AccumulationDistribution, CMF, MFI, OBV, VWAP } from './volume.js';
export { Window } from './window.js';

/** The indicator constructors, as strategies receive them (`ctx.indicators`, `tools.indicators`). */
export const indicators = {
  SMA,
  EMA,
  WilderAverage,
  WMA,
  DEMA,
  TEMA,
  RSI,
  MACD,
  ROC,
  Momentum,
  Stochastic,
  WilliamsR,
  CCI,
  ADX,
  ParabolicSAR,
  Bollinger,
  Keltner,
  Donchian,
  ATR,
  TrueRange,
  StdDev,
  ZScore,
  RollingBeta,
  VWAP,
  OBV,
  MFI,
  AccumulationDistribution,
  CMF,
  Returns,
  LogReturn,
  RollingVolatility,
  CrossOver,
};
export type Indicators = typeof indicators;
