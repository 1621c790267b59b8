// A strategy with brackets for `tickpipe backtest --strategy ./examples/bracket.js` (docs/execution.md,
// "Order types").
//
// Momentum entry with a bracket: when the price has risen `lookback` records in a row, buy at the
// market with a stop-loss `stop_bps` below and a take-profit `target_bps` above the last price. The
// two exits become active when the entry fills and cancel each other; the strategy does nothing
// while a position or an order is open. Works on candles (closes) and on trades (prices).

/** Parameters and their defaults: `--param stop_bps=30` overrides one; a name not listed is an error. */
export const defaults = { lookback: 5, stop_bps: 50, target_bps: 100 };

export const name = 'bracket';

/**
 * @param {Record<string, unknown>} params
 * @returns {import('tickpipe/core').Strategy}
 */
export function create(params) {
  const lookback = Number(params.lookback);
  const stop = Number(params.stop_bps) / 10_000;
  const target = Number(params.target_bps) / 10_000;
  const states = new Map();

  return {
    onRecord(r, ctx) {
      const price = r.type === 'candle' ? r.close : r.type === 'trade' ? r.price : undefined;
      if (price === undefined) return undefined;
      const key = `${r.exchange}:${r.symbol}`;
      let s = states.get(key);
      if (s === undefined) {
        s = { last: price, ups: 0 };
        states.set(key, s);
      }
      s.ups = price > s.last ? s.ups + 1 : 0;
      s.last = price;
      if (ctx.position().amount !== 0 || ctx.openOrders().length > 0 || s.ups < lookback) return undefined;
      s.ups = 0;
      return {
        side: 'buy',
        bracket: { stop_loss: price * (1 - stop), take_profit: price * (1 + target) },
        tag: 'bracket entry',
      };
    },
  };
}
