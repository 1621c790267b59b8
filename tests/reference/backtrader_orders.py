#!/usr/bin/env python3
"""backtrader as the independent reference for tickpipe's stop, stop-limit, take-profit,
trailing-stop, OCO and bracket orders (issue #16; docs/backtrader-crosscheck.md).

Runs one small deterministic strategy per case on a real daily CSV (backtrader's own
orcl-1995-2014.txt from ../shared/data/backtrader) and prints one JSON document: the settings, and
per case and commission every order (type, side, created bar, trigger, limit, final status and its
status changes) and every fill (bar date, price, size, commission). tests/orders-backtrader.test.ts
runs it and compares.

Usage: PYTHONPATH=../shared/peers/backtrader python3 tests/reference/backtrader_orders.py CSV [CASE ...]

Every backtrader setting is stated here, none is left to a default silently:
- Cerebro(stdstats=False, cheat_on_open=False): no observers; orders created in next() of bar t are
  first matched on bar t+1 (cheat-on-open off).
- broker: cash 10000; coc False (no cheat-on-close), coo False; checksubmit True (cash checked when
  the order is accepted); no slippage (slip_perc 0, slip_fixed 0); no volume filler (fills are whole).
- commission: setcommission(commission=C) with C = 0 and then 0.001, stock-like (commtype
  percentage): commission = |size| x price x C per fill.
- sizes are fixed (size=10 on every order); no sizer is used.
- data: GenericCSVData on Date,Open,High,Low,Close,Adj Close,Volume (raw OHLC, not adjusted; the
  Adj Close column is not read), dtformat %Y-%m-%d, daily timeframe, between FROM and TO below.
"""

import datetime
import json
import math
import sys

import backtrader as bt

FROM = datetime.datetime(2006, 11, 1)
TO = datetime.datetime(2007, 1, 31)
CASH = 10000.0
COMMISSIONS = (0.0, 0.001)
SIZE = 10

STATUS = {
    bt.Order.Created: 'created',
    bt.Order.Submitted: 'submitted',
    bt.Order.Accepted: 'accepted',
    bt.Order.Partial: 'partial',
    bt.Order.Completed: 'completed',
    bt.Order.Canceled: 'cancelled',
    bt.Order.Expired: 'expired',
    bt.Order.Margin: 'margin',
    bt.Order.Rejected: 'rejected',
}


def day(num):
    return bt.num2date(num).date().isoformat()


def finite(x):
    return x if x is not None and math.isfinite(x) else None


class Recorder(bt.Strategy):
    """Records every order notification and every execution; subclasses place the orders."""

    params = (('on', ''),)

    def __init__(self):
        self.orders = {}
        self.fills = []
        self.first_ref = None

    def today(self):
        return self.data.datetime.date(0).isoformat()

    def ref(self, order):
        # backtrader numbers orders across runs; number them from 1 within this run.
        if self.first_ref is None:
            self.first_ref = order.ref
        return order.ref - self.first_ref + 1

    def notify_order(self, order):
        limited = order.exectype in (bt.Order.StopLimit, bt.Order.StopTrailLimit)
        rec = self.orders.setdefault(order.ref, {
            'ref': self.ref(order),
            'side': 'buy' if order.isbuy() else 'sell',
            'type': order.getordername(),
            'created': day(order.created.dt),
            'parent': self.ref(order.parent) if order.parent is not None else None,
            'history': [],
        })
        # created.price is the trigger (Stop, StopLimit; StopTrail: the trailing level it reached)
        # or the limit price (Limit, and Market: the creation bar's close); pricelimit is
        # StopLimit's limit.
        rec['trigger'] = finite(order.created.price)
        rec['limit'] = finite(order.created.pricelimit) if limited else None
        rec['status'] = STATUS[order.status]
        rec['history'].append([self.today(), STATUS[order.status]])
        if order.status == bt.Order.Completed:
            self.fills.append({
                'date': day(order.executed.dt),
                'ref': rec['ref'],
                'side': rec['side'],
                'price': order.executed.price,
                'size': abs(order.executed.size),
                'commission': order.executed.comm,
            })


class Entry(Recorder):
    """One order of kind `exectype` on the bar dated `on`: a buy stop above the market (a sell stop
    below it opens a short), a stop-limit, a plain limit."""

    params = (('side', 'buy'), ('exectype', 'Stop'), ('price', None), ('plimit', None))

    def next(self):
        if self.today() == self.p.on:
            order = self.buy if self.p.side == 'buy' else self.sell
            order(size=SIZE, exectype=getattr(bt.Order, self.p.exectype),
                  price=self.p.price, plimit=self.p.plimit)


class Exit(Recorder):
    """A market buy on the bar dated `on`; on the first bar that holds the position (the fill bar's
    close) one sell of kind `exectype`: a StopTrail with trailamount or trailpercent, or a Limit
    above the market (what tickpipe calls a take-profit)."""

    params = (('exectype', 'StopTrail'), ('price', None), ('trailamount', None), ('trailpercent', None))

    def __init__(self):
        super().__init__()
        self.placed = False

    def next(self):
        if self.today() == self.p.on:
            self.buy(size=SIZE)
        elif self.position.size > 0 and not self.placed:
            self.placed = True
            self.sell(size=SIZE, exectype=getattr(bt.Order, self.p.exectype), price=self.p.price,
                      trailamount=self.p.trailamount, trailpercent=self.p.trailpercent)


class OcoEntry(Recorder):
    """On the bar dated `on`: a buy Stop above the market and a buy Limit below it, one OCO group
    (the stop is created first, so it is first in the broker's queue)."""

    params = (('stop', 0.0), ('limit', 0.0))

    def next(self):
        if self.today() == self.p.on:
            first = self.buy(size=SIZE, exectype=bt.Order.Stop, price=self.p.stop)
            self.buy(size=SIZE, exectype=bt.Order.Limit, price=self.p.limit, oco=first)


class BracketEntry(Recorder):
    """On the bar dated `on`: buy_bracket (or sell_bracket, a short) with a Market entry, a Stop
    stop-loss and a Limit take-profit (backtrader's defaults for the two legs; created entry, stop,
    limit in that order)."""

    params = (('side', 'buy'), ('stop', 0.0), ('limit', 0.0))

    def next(self):
        if self.today() == self.p.on:
            bracket = self.buy_bracket if self.p.side == 'buy' else self.sell_bracket
            bracket(size=SIZE, exectype=bt.Order.Market,
                    stopprice=self.p.stop, limitprice=self.p.limit)


# name -> (strategy class, parameters). The prices were chosen by reading the CSV rows between FROM
# and TO (docs/backtrader-crosscheck.md has the rows and the arithmetic).
CASES = {
    'stop_entry': (Entry, {'on': '2006-11-08', 'exectype': 'Stop', 'price': 18.80}),
    'stop_entry_gap': (Entry, {'on': '2006-11-10', 'exectype': 'Stop', 'price': 18.785}),
    'stop_limit_at_trigger': (Entry, {'on': '2006-11-08', 'exectype': 'StopLimit',
                                      'price': 18.80, 'plimit': 18.90}),
    'stop_limit_pullback': (Entry, {'on': '2006-11-08', 'exectype': 'StopLimit',
                                    'price': 18.80, 'plimit': 18.60}),
    'limit_entry': (Entry, {'on': '2006-12-07', 'exectype': 'Limit', 'price': 17.55}),
    'limit_entry_gap': (Entry, {'on': '2006-12-18', 'exectype': 'Limit', 'price': 17.40}),
    'trail_amount': (Exit, {'on': '2006-11-08', 'trailamount': 0.40}),
    'trail_percent': (Exit, {'on': '2006-11-08', 'trailpercent': 0.02}),
    'take_profit_exit': (Exit, {'on': '2006-11-08', 'exectype': 'Limit', 'price': 19.00}),
    'oco_entry': (OcoEntry, {'on': '2006-12-07', 'stop': 18.10, 'limit': 17.40}),
    'bracket_stop_first': (BracketEntry, {'on': '2006-11-27', 'stop': 18.70, 'limit': 19.60}),
    'bracket_take_profit_first': (BracketEntry, {'on': '2006-11-08', 'stop': 18.00, 'limit': 19.00}),
    'bracket_gap_through_stop': (BracketEntry, {'on': '2006-11-27', 'stop': 18.50, 'limit': 19.60}),
    'bracket_both_legs_one_bar': (BracketEntry, {'on': '2007-01-18', 'stop': 16.90, 'limit': 17.70}),
    # Short side (backtrader shorts stocks freely; tickpipe's spot needs --allow-short).
    'sell_limit_entry': (Entry, {'on': '2006-12-12', 'side': 'sell', 'exectype': 'Limit',
                                 'price': 18.24}),
    'sell_stop_entry': (Entry, {'on': '2006-12-12', 'side': 'sell', 'exectype': 'Stop', 'price': 17.75}),
    'sell_stop_entry_gap': (Entry, {'on': '2006-12-18', 'side': 'sell', 'exectype': 'Stop',
                                    'price': 17.60}),
    'sell_bracket_stop_first': (BracketEntry, {'on': '2006-11-14', 'side': 'sell', 'stop': 19.40,
                                               'limit': 18.70}),
}


def run(csv, strategy, params, commission):
    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=False)
    cerebro.broker.set_cash(CASH)
    cerebro.broker.set_coc(False)
    cerebro.broker.set_coo(False)
    cerebro.broker.set_checksubmit(True)
    cerebro.broker.set_slippage_perc(0.0)
    cerebro.broker.set_filler(None)
    cerebro.broker.setcommission(commission=commission)
    data = bt.feeds.GenericCSVData(
        dataname=csv, fromdate=FROM, todate=TO, dtformat='%Y-%m-%d', timeframe=bt.TimeFrame.Days,
        datetime=0, time=-1, open=1, high=2, low=3, close=4, volume=6, openinterest=-1)
    cerebro.adddata(data)
    cerebro.addstrategy(strategy, **params)
    strat = cerebro.run()[0]
    return {
        'orders': sorted(strat.orders.values(), key=lambda o: o['ref']),
        'fills': strat.fills,
        'cash': cerebro.broker.get_cash(),
        'value': cerebro.broker.get_value(),
    }


def main(argv):
    if len(argv) < 2:
        sys.exit('usage: backtrader_orders.py CSV [CASE ...]')
    csv = argv[1]
    names = argv[2:] or list(CASES)
    out = {
        'backtrader': bt.__version__,
        'settings': {
            'from': FROM.date().isoformat(), 'to': TO.date().isoformat(), 'cash': CASH,
            'size': SIZE, 'cheat_on_open': False, 'coc': False, 'checksubmit': True,
            'slippage': 0, 'filler': None, 'commissions': list(COMMISSIONS),
        },
        'cases': [],
    }
    for name in names:
        if name not in CASES:
            sys.exit('unknown case %r (known: %s)' % (name, ', '.join(CASES)))
        strategy, params = CASES[name]
        for commission in COMMISSIONS:
            res = run(csv, strategy, params, commission)
            out['cases'].append(dict(name=name, strategy=strategy.__name__, params=params,
                                     commission=commission, **res))
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv)
