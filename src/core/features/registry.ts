/**
 * The indicators `tickpipe features` can add, by spec (`sma:20`, `macd:12,26,9`): their parameters
 * and defaults, the candle fields they read, and the columns they write. Column names are the
 * indicator's name and its parameters (defaults filled in) joined by `_` (`sma_20`, `rsi_14`,
 * `macd_12_26_9`), with `_<part>` for each further output (`macd_12_26_9_signal`).
 */

import { UsageError } from '../errors.js';
import {
  AccumulationDistribution,
  ADX,
  ATR,
  Bollinger,
  CCI,
  CMF,
  DEMA,
  Donchian,
  EMA,
  Keltner,
  LogReturn,
  MACD,
  MFI,
  Momentum,
  OBV,
  ParabolicSAR,
  Returns,
  ROC,
  RollingVolatility,
  RSI,
  SMA,
  StdDev,
  Stochastic,
  TEMA,
  TrueRange,
  VWAP,
  WilderAverage,
  WilliamsR,
  WMA,
  ZScore,
} from '../indicators/index.js';

export interface CandleIn {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** One added indicator: its columns, and a step that writes their values for a candle (null in warm-up). */
export interface Feature {
  readonly columns: readonly string[];
  /**
   * Updates the indicator with `c` and writes its columns' values to `out[at]`, `out[at + 1]`, ...:
   * NaN for a column that is null (in warm-up, or not finite), so that the row is plain doubles.
   */
  update(c: CandleIn, out: Float64Array, at: number): void;
}

/**
 * Writes an indicator's values for a candle to `out[at]`, `out[at + 1]`, ... (NaN for null), as
 * `Feature.update` does. Each definition makes its own function (a function literal of its own):
 * then the indicator's `update` is called from one place with one class and can be inlined, and
 * its double result is not boxed to be returned.
 */
type Writer = (c: CandleIn, out: Float64Array, at: number) => void;

/** Values of several columns (undefined for a null one), in column order: one array per candle. */
type Values = readonly (number | undefined)[];

interface Definition {
  /** Parameter names and defaults (undefined: required). */
  readonly params: readonly [string, number | undefined][];
  /** Output parts after the first (the first is the bare name). */
  readonly parts?: readonly string[];
  /** Whole-number parameters (periods); the others may be fractions. */
  readonly whole?: readonly string[];
  readonly summary: string;
  make(p: number[]): Writer;
}

const one = (period: number) => [['n', period]] as [string, number][];

/**
 * A one-column indicator of the close. Its writer is one function literal for all of them, so the
 * call of `update` in it sees every such class in use; the bench's SMA and RSI have their own.
 */
function closeOf<T extends { update(x: number): number | undefined }>(Make: new (n: number) => T) {
  return (p: number[]): Writer => {
    const i = new Make(p[0]!);
    return (c, out, at) => {
      out[at] = columnValue(i.update(c.close));
    };
  };
}

/** A writer of several columns from a step that gives their values. */
function columnsOf(step: (c: CandleIn) => Values): Writer {
  return (c, out, at) => {
    const r = step(c);
    for (let i = 0; i < r.length; i++) out[at + i] = columnValue(r[i]);
  };
}

const DEFINITIONS: Record<string, Definition> = {
  sma: {
    params: one(20),
    summary: 'simple moving average of the close',
    make: (p) => {
      const i = new SMA(p[0]!);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.close));
      };
    },
  },
  ema: { params: one(20), summary: 'exponential moving average, alpha 2 / (n + 1)', make: closeOf(EMA) },
  wilder: { params: one(14), summary: "Wilder's average, alpha 1 / n", make: closeOf(WilderAverage) },
  wma: { params: one(20), summary: 'weighted moving average, weights 1..n', make: closeOf(WMA) },
  dema: { params: one(20), summary: 'double EMA', make: closeOf(DEMA) },
  tema: { params: one(20), summary: 'triple EMA', make: closeOf(TEMA) },
  rsi: {
    params: one(14),
    summary: "relative strength index (Wilder's)",
    make: (p) => {
      const i = new RSI(p[0]!);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.close));
      };
    },
  },
  roc: { params: one(10), summary: 'rate of change, a fraction', make: closeOf(ROC) },
  mom: { params: one(10), summary: 'momentum, close - close n ago', make: closeOf(Momentum) },
  returns: { params: one(1), summary: 'simple return over n candles', make: closeOf(Returns) },
  logret: { params: one(1), summary: 'log return over n candles', make: closeOf(LogReturn) },
  rollvol: {
    params: one(20),
    summary: 'sample deviation of the last n one-candle log returns',
    make: closeOf(RollingVolatility),
  },
  stddev: { params: one(20), summary: 'sample standard deviation of the close', make: closeOf(StdDev) },
  zscore: { params: one(20), summary: 'rolling z-score of the close', make: closeOf(ZScore) },
  macd: {
    params: [
      ['fast', 12],
      ['slow', 26],
      ['signal', 9],
    ],
    parts: ['signal', 'histogram'],
    summary: 'MACD line, its signal EMA, the histogram',
    make: (p) => {
      const i = new MACD(p[0], p[1], p[2]);
      // The three values read from its fields: no object or array per candle.
      return (c, out, at) => {
        const ready = i.step(c.close);
        out[at] = ready ? columnValue(i.lastMacd) : Number.NaN;
        out[at + 1] = ready ? columnValue(i.lastSignal) : Number.NaN;
        out[at + 2] = ready ? columnValue(i.lastHistogram) : Number.NaN;
      };
    },
  },
  bollinger: {
    params: [
      ['n', 20],
      ['k', 2],
    ],
    parts: ['upper', 'lower'],
    whole: ['n'],
    summary: 'Bollinger bands: SMA (the bare column) and SMA +- k population deviations',
    make: (p) => {
      const i = new Bollinger(p[0], p[1]);
      return columnsOf((c) => {
        const r = i.update(c.close);
        return [r?.middle, r?.upper, r?.lower];
      });
    },
  },
  keltner: {
    params: [
      ['n', 20],
      ['k', 2],
      ['atr', 10],
    ],
    parts: ['upper', 'lower'],
    whole: ['n', 'atr'],
    summary: 'Keltner channels: EMA(n) of the close (the bare column) +- k ATR(atr)',
    make: (p) => {
      const i = new Keltner(p[0], p[1], p[2]);
      return columnsOf((c) => {
        const r = i.update(c.high, c.low, c.close);
        return [r?.middle, r?.upper, r?.lower];
      });
    },
  },
  donchian: {
    params: one(20),
    parts: ['upper', 'lower'],
    summary: 'Donchian channels: the midpoint (the bare column), highest high, lowest low',
    make: (p) => {
      const i = new Donchian(p[0]);
      return columnsOf((c) => {
        const r = i.update(c.high, c.low);
        return [r?.middle, r?.upper, r?.lower];
      });
    },
  },
  atr: {
    params: one(14),
    summary: "average true range (Wilder's)",
    make: (p) => {
      const i = new ATR(p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close));
      };
    },
  },
  tr: {
    params: [],
    summary: 'true range',
    make: () => {
      const i = new TrueRange();
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close));
      };
    },
  },
  stoch: {
    params: [
      ['n', 14],
      ['slowing', 3],
      ['d', 3],
    ],
    parts: ['d'],
    summary: 'stochastic oscillator: %K (the bare column) and %D',
    make: (p) => {
      const i = new Stochastic(p[0], p[1], p[2]);
      return columnsOf((c) => {
        const r = i.update(c.high, c.low, c.close);
        return [r?.k, r?.d];
      });
    },
  },
  willr: {
    params: one(14),
    summary: 'Williams %R',
    make: (p) => {
      const i = new WilliamsR(p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close));
      };
    },
  },
  cci: {
    params: one(20),
    summary: 'commodity channel index',
    make: (p) => {
      const i = new CCI(p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close));
      };
    },
  },
  adx: {
    params: one(14),
    parts: ['pdi', 'mdi'],
    summary: 'average directional index (the bare column), +DI and -DI',
    make: (p) => {
      const i = new ADX(p[0]);
      return columnsOf((c) => {
        const r = i.update(c.high, c.low, c.close);
        return [r?.adx, r?.pdi, r?.mdi];
      });
    },
  },
  psar: {
    params: [
      ['step', 0.02],
      ['max', 0.2],
    ],
    whole: [],
    summary: 'Parabolic SAR',
    make: (p) => {
      const i = new ParabolicSAR(p[0], p[1]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low));
      };
    },
  },
  vwap: {
    params: one(20),
    summary: 'volume-weighted typical price over the last n candles (vwap:0 for cumulative)',
    whole: [],
    make: (p) => {
      const i = new VWAP(p[0] === 0 ? undefined : p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update((c.high + c.low + c.close) / 3, c.volume));
      };
    },
  },
  obv: {
    params: [],
    summary: 'on-balance volume',
    make: () => {
      const i = new OBV();
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.close, c.volume));
      };
    },
  },
  mfi: {
    params: one(14),
    summary: 'money flow index',
    make: (p) => {
      const i = new MFI(p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close, c.volume));
      };
    },
  },
  ad: {
    params: [],
    summary: 'accumulation/distribution line',
    make: () => {
      const i = new AccumulationDistribution();
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close, c.volume));
      };
    },
  },
  cmf: {
    params: one(20),
    summary: 'Chaikin money flow',
    make: (p) => {
      const i = new CMF(p[0]);
      return (c, out, at) => {
        out[at] = columnValue(i.update(c.high, c.low, c.close, c.volume));
      };
    },
  },
};

/** The feature names, each with its parameters and what it is (for help and docs). */
export function featureCatalogue(): { name: string; params: string; summary: string }[] {
  return Object.entries(DEFINITIONS).map(([name, d]) => ({
    name,
    params: d.params.map(([p, x]) => `${p}=${x}`).join(','),
    summary: d.summary,
  }));
}

/** Parses one `--add` spec (`macd:12,26,9`, `rsi`, `bollinger:20,2.5`) into a feature. */
export function parseFeature(spec: string, flag = '--add'): Feature {
  const m = /^([a-z]+)(?::(.*))?$/.exec(spec.trim());
  const def = m === null ? undefined : DEFINITIONS[m[1]!];
  if (m === null || def === undefined)
    throw new UsageError(
      `${flag}: unknown feature "${spec}"; expected one of ${Object.keys(DEFINITIONS).join(', ')}`,
    );
  const name = m[1]!;
  const given = m[2] === undefined || m[2] === '' ? [] : m[2].split(',');
  if (given.length > def.params.length)
    throw new UsageError(
      `${flag} ${spec}: ${name} takes ${def.params.length === 0 ? 'no parameters' : `at most ${def.params.length} (${def.params.map(([p]) => p).join(', ')})`}`,
    );
  const whole = def.whole ?? def.params.map(([p]) => p);
  const values = def.params.map(([p, dflt], i) => {
    const text = given[i];
    const x = text === undefined ? dflt : Number(text);
    if (
      x === undefined ||
      !Number.isFinite(x) ||
      x < 0 ||
      (whole.includes(p) && (!Number.isInteger(x) || x < 1))
    )
      throw new UsageError(
        `${flag} ${spec}: expected ${whole.includes(p) ? 'a whole number >= 1' : 'a number >= 0'} for ${p}, found "${text ?? ''}"`,
      );
    return x;
  });
  const base = [name, ...values.map(String)].join('_');
  const columns = [base, ...(def.parts ?? []).map((part) => `${base}_${part}`)];
  let update: Writer;
  try {
    update = def.make(values);
  } catch (error) {
    throw new UsageError(`${flag} ${spec}: ${(error as Error).message}`);
  }
  return { columns, update };
}

/** A column's value, NaN for null: in warm-up and for what is not finite (JSON has no NaN or Infinity). */
function columnValue(x: number | undefined): number {
  return x === undefined || !Number.isFinite(x) ? Number.NaN : x;
}
