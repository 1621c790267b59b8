"""The feed both reference scripts read: one of backtrader's daily CSVs with GenericCSVData (the raw
Open, High, Low and Close columns: no Yahoo adjustment or rounding), as `tickpipe fetch --file` reads it."""

import backtrader as bt


def daily_csv(path):
    return bt.feeds.GenericCSVData(
        dataname=path,
        dtformat="%Y-%m-%d",
        datetime=0,
        open=1,
        high=2,
        low=3,
        close=4,
        volume=-1,
        openinterest=-1,
    )
