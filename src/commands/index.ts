import Backtest from './backtest.js';
import Connect from './connect.js';
import Fetch from './fetch.js';
import Generate from './generate.js';
import Orderbook from './orderbook.js';
import Sanitize from './sanitize.js';

/** Every command, by id: oclif loads this map instead of scanning the folder (faster start-up). */
export const COMMANDS = {
  backtest: Backtest,
  connect: Connect,
  fetch: Fetch,
  generate: Generate,
  orderbook: Orderbook,
  sanitize: Sanitize,
};
