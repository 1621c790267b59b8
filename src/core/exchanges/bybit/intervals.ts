/**
 * Bybit's names for candle intervals, shared by its v5 REST klines (`fetch`) and its websocket
 * `kline.<i>.<symbol>` topics (`connect`): tickpipe's `1h` is Bybit's `60`, `1d` is `D`.
 */
export const BYBIT_INTERVAL: Readonly<Record<string, string>> = {
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '15m': '15',
  '30m': '30',
  '1h': '60',
  '2h': '120',
  '4h': '240',
  '6h': '360',
  '12h': '720',
  '1d': 'D',
  '1w': 'W',
  '1M': 'M',
};
