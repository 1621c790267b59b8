# buy-and-hold as a tickpipe exec: strategy in jq (docs/strategy-protocol.md):
#
#   tickpipe backtest candles.ndjson --strategy 'exec:jq -c --unbuffered -f examples/strategies/buy_and_hold.jq'
#
# jq reads one JSON value per line and writes one line per value: the hello gets the hello, each
# event its reply, the end nothing. jq keeps no state between inputs, so the rule reads the context:
# buy while flat with no order open. With "fields": [] and "ctx": ["position", "open_orders"] the
# events carry only that (and the record's type, time, exchange and symbol). On data where nothing
# else closes the position, this is the built-in buy-and-hold: it buys once, on the first candle.
if .type == "hello" then
  {type: "hello", protocol: 1, name: "buy-and-hold-jq", wants: ["candle"], fields: [], ctx: ["position", "open_orders"]}
elif .event == "end" then
  empty
elif .ctx.position.amount == 0 and (.ctx.open_orders | length) == 0 then
  [{side: "buy"}]
else
  []
end
