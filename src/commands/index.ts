import Backtest from './backtest.js';
import Connect from './connect.js';
import Drawdown from './drawdown.js';
import Fetch from './fetch.js';
import Generate from './generate.js';
import Orderbook from './orderbook.js';
import Sanitize from './sanitize.js';
import Summarize from './summarize.js';

/** Every command, by id: oclif loads this map instead of scanning the folder (faster start-up). */
export const COMMANDS = {
  backtest: Backtest,
  connect: Connect,
  drawdown: Drawdown,
  fetch: Fetch,
  generate: Generate,
  orderbook: Orderbook,
  sanitize: Sanitize,
  summarize: Summarize,
};
