// A complete user strategy for `tickpipe backtest --strategy ./examples/breakout.js` (docs/strategies.md).
//
// Donchian breakout: buy when a candle closes above the highest high of the previous `window`
// candles, close the position when it closes below the lowest low of the previous `exit` candles.
// An ATR filter skips breakouts in quiet markets. State is kept per instrument.

/** Parameters and their defaults: `--param window=20` overrides one; a name not listed is an error. */
export const defaults = { window: 20, exit: 10, atr: 14, min_atr_bps: 0 };

export const name = 'breakout';

/**
 * Called once with the parameters and the tools (the streaming indicators); returns the handlers.
 * @param {Record<string, unknown>} params
 * @param {{ indicators: import('tickpipe/core').Indicators }} tools
 */
export function create(params, { indicators }) {
  const window = Number(params.window);
  const exit = Number(params.exit);
  const minAtrBps = Number(params.min_atr_bps);
  const states = new Map();

  const stateOf = (r) => {
    const key = `${r.exchange}:${r.symbol}`;
    let s = states.get(key);
    if (s === undefined) {
      s = { highs: [], lows: [], atr: new indicators.ATR(Number(params.atr)) };
      states.set(key, s);
    }
    return s;
  };

  return {
    /** Each market record, in time order; return intents (or nothing). */
    onRecord(r, ctx) {
      if (r.type !== 'candle') return undefined;
      const s = stateOf(r);
      const atr = s.atr.update(r.high, r.low, r.close);
      const highest = s.highs.length === window ? Math.max(...s.highs) : undefined;
      const lowest = s.lows.length >= exit ? Math.min(...s.lows.slice(-exit)) : undefined;
      s.highs.push(r.high);
      if (s.highs.length > window) s.highs.shift();
      s.lows.push(r.low);
      if (s.lows.length > Math.max(window, exit)) s.lows.shift();

      const position = ctx.position().amount;
      if (position === 0 && highest !== undefined && r.close > highest) {
        if (atr === undefined || (atr / r.close) * 10_000 < minAtrBps) return undefined;
        return { side: 'buy', tag: `breakout above ${highest}` };
      }
      if (position > 0 && lowest !== undefined && r.close < lowest) return { close: true };
      return undefined;
    },

    /** Each fill of this strategy's orders. */
    onFill(_fill, _ctx) {
      return undefined;
    },
  };
}
