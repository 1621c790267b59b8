"""backtrader's Returns analyzer (the reference for tests/backtrader-returns.test.ts).

Reads a JSON list of runs from argv[1] ([{"file", "strategy": "sma-cross" | "buy-and-hold", "size"},
...]) and prints, for each, what `bt.analyzers.Returns(timeframe=Days)` reports: `rnorm` (the
annualised return, expm1(ln(end / start) / n * 252)), `rtot`, and `n`, the number of daily periods
it counted, with the broker's start and end values. sma-cross is SMA(10)/SMA(30) CrossOver, buying
`size` when flat and closing on the cross down; buy-and-hold buys `size` on the first bar. Market
orders fill at the next bar's open, setcommission(commission=0.001), cash 10000. The CSV is read with
GenericCSVData (raw Open and Close, as `tickpipe fetch --file` reads them).

Needs backtrader on PYTHONPATH (../shared/peers/backtrader); the test sets it.
"""

import json
import sys

import backtrader as bt
from daily_csv import daily_csv


class SmaCross(bt.Strategy):
    params = (("size", 10),)

    def __init__(self):
        fast = bt.indicators.SMA(self.data.close, period=10)
        slow = bt.indicators.SMA(self.data.close, period=30)
        self.cross = bt.indicators.CrossOver(fast, slow)

    def next(self):
        if not self.position:
            if self.cross[0] > 0:
                self.buy(size=self.p.size)
        elif self.cross[0] < 0:
            self.close()


class BuyAndHold(bt.Strategy):
    params = (("size", 10),)

    def nextstart(self):
        self.buy(size=self.p.size)


def run(spec):
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(daily_csv(spec["file"]))
    strategy = SmaCross if spec["strategy"] == "sma-cross" else BuyAndHold
    cerebro.addstrategy(strategy, size=spec["size"])
    cerebro.broker.setcash(10000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.addanalyzer(bt.analyzers.Returns, timeframe=bt.TimeFrame.Days, _name="returns")
    strat = cerebro.run()[0]
    analyzer = strat.analyzers.returns
    rets = analyzer.get_analysis()
    return {
        **spec,
        "rnorm": rets["rnorm"],
        "rtot": rets["rtot"],
        "n": analyzer._tcount,
        "value_start": analyzer._value_start,
        "value_end": analyzer._value_end,
    }


if __name__ == "__main__":
    print(json.dumps([run(s) for s in json.loads(sys.argv[1])]))
