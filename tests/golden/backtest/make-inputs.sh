#!/bin/sh
# Regenerates the inputs (stdin.ndjson) of the backtest golden cases from `tickpipe generate` with
# fixed seeds; run from the repository root after `npm run build`. The expected outputs are then
# written by `UPDATE_GOLDEN=1 npx vitest run tests/golden` and reviewed with git diff.
set -eu
G="node bin/run.js generate"
D=tests/golden/backtest
# Merges NDJSON files by "time" (stable: ties keep file order).
merge() {
  node -e '
    const fs = require("node:fs");
    const rows = [];
    process.argv.slice(1).forEach((f, i) => fs.readFileSync(f, "utf8").split("\n").filter(Boolean)
      .forEach((l, j) => rows.push([Date.parse(JSON.parse(l).time), i, j, l])));
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    process.stdout.write(rows.map((r) => r[3] + "\n").join(""));' "$@"
}
T=$(mktemp -d)
$G candles --count 600 --seed 11 --volatility 0.8 > $D/sma-cross/stdin.ndjson
$G candles --count 500 --seed 12 --volatility 0.8 > $D/mean-reversion/stdin.ndjson
$G candles --count 500 --seed 13 --volatility 0.8 --drift 2 > $D/momentum/stdin.ndjson
$G candles --count 1000 --seed 14 --volatility 0.9 > $D/kelly-sizing/stdin.ndjson
$G candles --count 400 --seed 15 --volatility 0.8 > $D/fixed-notional-close/stdin.ndjson
$G candles --count 400 --seed 16 --symbol BTCUSDT --price 42000 > $T/a.ndjson
$G candles --count 400 --seed 17 --symbol ETHUSDT --price 2500 > $T/b.ndjson
merge $T/a.ndjson $T/b.ndjson > $D/pairs/stdin.ndjson
$G candles --count 150 --seed 18 --symbol BTCUSDT --price 42000 > $T/a.ndjson
$G candles --count 150 --seed 19 --symbol ETHUSDT --price 2500 > $T/b.ndjson
$G candles --count 150 --seed 20 --symbol SOLUSDT --price 100 > $T/c.ndjson
merge $T/a.ndjson $T/b.ndjson $T/c.ndjson > $D/buy-and-hold/stdin.ndjson
$G candles --count 500 --seed 21 --volatility 0.9 > $D/breakout-latency/stdin.ndjson
$G quotes --count 1500 --seed 22 --rate 5 > $D/market-maker-quotes/stdin.ndjson
# Quotes, each followed by three trades at its touch (alternately sells at the bid and buys at the
# ask, each 45% of the level's amount), so resting orders at the touch fill in parts through their queue.
$G quotes --count 800 --seed 23 --rate 5 | node -e '
  const lines = require("node:fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  const out = [];
  lines.forEach((l, i) => {
    out.push(l);
    const q = JSON.parse(l);
    const sell = i % 2 === 0;
    for (let k = 0; k < 3; k++)
      out.push(JSON.stringify({ type: "trade", time: q.time, exchange: q.exchange, symbol: q.symbol, id: 3 * i + k + 1,
        price: sell ? q.bid_price : q.ask_price,
        amount: Math.round((sell ? q.bid_amount : q.ask_amount) * 0.45 * 1e5) / 1e5, side: sell ? "sell" : "buy" }));
  });
  process.stdout.write(out.map((l) => l + "\n").join(""));' > $D/trade-fill-partial/stdin.ndjson
# Books with the quotes `tickpipe orderbook` derives from them: the strategy quotes on the quotes,
# the engine fills against the books.
$G book --count 1000 --seed 24 --depth 10 --levels 4 --rate 5 | node bin/run.js orderbook --depth 10 --emit quotes,depth --quiet > $D/market-maker-book/stdin.ndjson
# A perpetual with a funding record every hour (rates alternate in sign).
$G candles --count 1000 --seed 25 --volatility 0.9 --exchange binance_futures --interval 1m > $T/p.ndjson
node -e '
  const fs = require("node:fs");
  const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  const out = [];
  let k = 0;
  for (const l of lines) {
    out.push(l);
    const r = JSON.parse(l);
    if (Date.parse(r.time) % 3600e3 === 0) {
      k++;
      out.push(JSON.stringify({ type: "funding", time: r.time, exchange: r.exchange, symbol: r.symbol,
        rate: (k % 2 ? 1 : -1) * 0.0001 * k, mark_price: r.close, interval_hours: 1 }));
    }
  }
  process.stdout.write(out.map((l) => l + "\n").join(""));' $T/p.ndjson > $D/perpetual-funding/stdin.ndjson
# Brackets (examples/bracket.js) on trades and on candles.
$G trades --count 3000 --seed 26 --rate 5 > $D/bracket-trades/stdin.ndjson
$G candles --count 600 --seed 27 --volatility 0.9 > $D/bracket-candles/stdin.ndjson
rm -r $T
