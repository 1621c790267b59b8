#!/usr/bin/env python3
"""sma-cross as a tickpipe exec: strategy (docs/strategy-protocol.md), standard library only.

    tickpipe backtest candles.ndjson --strategy 'exec:python3 examples/strategies/sma_cross.py' --param fast=10

The same rule and the same numbers as the built-in sma-cross (docs/strategies.md): buys on the candle
where SMA(fast) crosses above SMA(slow), closes (and with long_short goes short) where it crosses
below. "Crosses above" means strictly above after at-or-below (backtrader's CrossOver). The SMA is
the built-in's: when every value in the window is the double nearest a decimal with at most 9
places, the mean of the exact decimal sum rounded once; otherwise math.fsum(window) / n. So two
averages equal in decimal are equal here too, and the trades are the built-in's, byte for byte.
"""

import json
import math
import os
import sys
from collections import deque

MAX_PLACES = 9
NO_GRID = MAX_PLACES + 1
POW10 = [float(10**i) for i in range(MAX_PLACES + 1)]


def js_round(x):
    """JavaScript's Math.round: the nearest integer, halves towards +infinity."""
    f = math.floor(x)
    return f + 1.0 if x - f >= 0.5 else float(f)


def decimal_places(x):
    """The fewest places d <= 9 for which x is the double nearest a d-place decimal, else NO_GRID."""
    if not math.isfinite(x) or abs(x) >= 2.0**40:
        return NO_GRID
    for d in range(MAX_PLACES + 1):
        p = POW10[d]
        if js_round(x * p) / p == x:
            return d
    return NO_GRID


class SMA:
    def __init__(self, n):
        self.n = n
        self.values = deque()
        self.places = deque()

    def update(self, x, places):
        """Adds x, whose decimal_places(x) the caller gives (one count for both averages)."""
        self.values.append(x)
        self.places.append(places)
        if len(self.values) > self.n:
            self.values.popleft()
            self.places.popleft()
        if len(self.values) < self.n:
            return None
        total = math.fsum(self.values)
        d = max(self.places)
        if d != NO_GRID:
            scale = POW10[d]
            scaled = total * scale
            units = js_round(scaled)
            if abs(units) < 2.0**51 and self.n * scale < 2.0**53 and abs(scaled - units) < 0.25:
                return units / (self.n * scale)
        return total / self.n


class CrossOver:
    def __init__(self):
        self.last_non_zero = 0.0

    def update(self, a, b):
        d = a - b
        prev = self.last_non_zero
        out = 1 if prev < 0 and d > 0 else -1 if prev > 0 and d < 0 else 0
        if d != 0:
            self.last_non_zero = d
        return out


def main():
    read = sys.stdin.buffer.readline
    write = sys.stdout.buffer.write
    flush = sys.stdout.buffer.flush
    hello = json.loads(read())
    params = {"fast": 10, "slow": 30, "long_short": False}
    unknown = sorted(set(hello["params"]) - set(params))
    if unknown:
        write(json.dumps({"type": "error", "message": "unknown parameters: " + ", ".join(unknown)}).encode() + b"\n")
        flush()
        return 2
    params.update(hello["params"])
    fast, slow = int(params["fast"]), int(params["slow"])
    long_short = params["long_short"] is True
    # Candles only, with only the close and the position: short lines are cheap to parse.
    hello = {"type": "hello", "protocol": 1, "name": "sma-cross", "wants": ["candle"],
             "fields": ["close"], "ctx": ["position"], "params": params}
    write(json.dumps(hello).encode() + b"\n")
    flush()
    out = sys.stdout.buffer.fileno()

    states = {}
    loads = json.JSONDecoder().decode  # on text: json.loads would detect the encoding of every line
    none, buy, close = b"[]\n", b'[{"side":"buy"}]\n', b'[{"close":true}]\n'
    close_buy, close_sell, sell = b'[{"close":true},{"side":"buy"}]\n', b'[{"close":true},{"side":"sell"}]\n', b'[{"side":"sell"}]\n'
    for line in iter(read, b""):
        event = loads(line.decode())
        if event["event"] == "end":
            break
        r = event["record"]
        key = (r["exchange"], r["symbol"])
        st = states.get(key)
        if st is None:
            st = states[key] = (SMA(fast), SMA(slow), CrossOver())
        c = r["close"]
        d = decimal_places(c)
        f = st[0].update(c, d)
        s = st[1].update(c, d)
        reply = none
        if f is not None and s is not None:
            cross = st[2].update(f, s)
            pos = event["ctx"]["position"]["amount"]
            if cross > 0:
                reply = close_buy if pos < 0 else buy if pos == 0 else none
            elif cross < 0:
                if pos > 0:
                    reply = close_sell if long_short else close
                elif long_short and pos == 0:
                    reply = sell
        os.write(out, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
