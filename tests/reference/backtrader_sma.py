"""Runs backtrader's own SMA crossover (the reference for tests/backtrader-sma.test.ts).

Reads a JSON list of runs from argv[1] ([{"file", "fast", "slow", "size"}, ...]) and prints, for each,
the fills backtrader's broker makes: a long-only strategy that buys `size` on CrossOver(SMA(fast),
SMA(slow)) > 0 when flat and closes on < 0; market orders at the next bar's open;
setcommission(commission=0.001); cash 10000. The CSV is read with GenericCSVData (the raw Open and
Close columns, no Yahoo adjustment or rounding), which is what `tickpipe fetch --file` reads.

Each run is made twice: with backtrader's stock SMA (`math.fsum(window) / period`), and with the same
strategy over an SMA that computes the mean exactly in decimal (fractions.Fraction of each close's
text) and rounds it once, which is what tickpipe's SMA does for prices on a tick. The stock run also
lists its "split ties": bars where the two averages are equal in decimal but backtrader's doubles
differ, so its CrossOver may see a cross that the tie rule (strictly above after at-or-below) does not.

Needs backtrader on PYTHONPATH (../shared/peers/backtrader); the test sets it.
"""

import json
import sys
from decimal import Decimal
from fractions import Fraction

import backtrader as bt
from daily_csv import daily_csv


def decimal_mean(values):
    """The exact mean of the decimals the doubles were parsed from (repr gives back the CSV text)."""
    return Fraction(sum(Decimal(repr(v)) for v in values)) / len(values)


class DecimalSMA(bt.Indicator):
    lines = ("sma",)
    params = (("period", 10),)

    def __init__(self):
        self.addminperiod(self.p.period)

    def next(self):
        self.l.sma[0] = float(decimal_mean(self.data.get(size=self.p.period)))


class SmaCross(bt.Strategy):
    params = (("fast", 10), ("slow", 30), ("size", 10), ("decimal", False))

    def __init__(self):
        sma = DecimalSMA if self.p.decimal else bt.indicators.SMA
        self.fast = sma(self.data.close, period=self.p.fast)
        self.slow = sma(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(self.fast, self.slow)
        self.fills = []
        self.split_ties = []

    def notify_order(self, order):
        if order.status == order.Completed:
            day = bt.num2date(order.executed.dt).date().isoformat()
            self.fills.append([day, order.executed.price, order.executed.size])
        elif order.status in (order.Margin, order.Rejected, order.Canceled):
            raise RuntimeError("order not completed: %s" % order.getstatusname())

    def next(self):
        if self.fast[0] != self.slow[0] and abs(self.fast[0] - self.slow[0]) < 1e-9 * abs(self.slow[0]):
            closes = self.data.close.get(size=self.p.slow)
            if decimal_mean(closes[-self.p.fast :]) == decimal_mean(closes):
                day = bt.num2date(self.data.datetime[0]).date().isoformat()
                self.split_ties.append([day, self.cross[0]])
        if not self.position:
            if self.cross[0] > 0:
                self.buy(size=self.p.size)
        elif self.cross[0] < 0:
            self.close()


def run(spec, decimal):
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(daily_csv(spec["file"]))
    cerebro.addstrategy(SmaCross, fast=spec["fast"], slow=spec["slow"], size=spec["size"], decimal=decimal)
    cerebro.broker.setcash(10000.0)
    cerebro.broker.setcommission(commission=0.001)
    strat = cerebro.run()[0]
    return {"fills": strat.fills, "value": cerebro.broker.getvalue(), "split_ties": strat.split_ties}


if __name__ == "__main__":
    out = []
    for spec in json.loads(sys.argv[1]):
        stock = run(spec, False)
        out.append({**spec, "stock": stock, "decimal": run(spec, True)})
    print(json.dumps(out))
