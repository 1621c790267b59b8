import type { Bound } from './bounds.js';

/**
 * For the record validator (validate.ts): the derivatives records of docs/format.md ("Liquidations
 * and options"), checked as market records (exchange, symbol, time) whose numbers are these:
 * [field, bound, optional].
 */
export const DERIVATIVE_FIELDS: Readonly<Record<string, readonly (readonly [string, Bound, boolean])[]>> = {
  venue_liquidation: [
    ['price', 'positive', false],
    ['amount', 'positive', false],
    ['average_price', 'positive', true],
    ['filled_amount', 'nonnegative', true],
  ],
  volatility_index: [['value', 'nonnegative', false]],
  option_summary: [
    ['strike', 'positive', false],
    ['open', 'positive', true],
    ['high', 'positive', true],
    ['low', 'positive', true],
    ['close', 'positive', true],
    ['volume', 'nonnegative', true],
    ['quote_volume', 'nonnegative', true],
    ['bid_price', 'nonnegative', true],
    ['ask_price', 'nonnegative', true],
    ['bid_amount', 'nonnegative', true],
    ['ask_amount', 'nonnegative', true],
    ['bid_iv', 'nonnegative', true],
    ['ask_iv', 'nonnegative', true],
    ['mark_price', 'nonnegative', true],
    ['mark_iv', 'nonnegative', true],
    ['delta', 'any', true],
    ['gamma', 'any', true],
    ['vega', 'any', true],
    ['theta', 'any', true],
    ['open_interest', 'nonnegative', true],
    ['open_interest_usd', 'nonnegative', true],
  ],
  option_mark: [
    ['mark_price', 'nonnegative', false],
    ['bid_iv', 'nonnegative', true],
    ['ask_iv', 'nonnegative', true],
    ['mark_iv', 'nonnegative', true],
    ['delta', 'any', true],
    ['gamma', 'any', true],
    ['vega', 'any', true],
    ['theta', 'any', true],
    ['high_price_limit', 'nonnegative', true],
    ['low_price_limit', 'nonnegative', true],
    ['risk_free_rate', 'any', true],
  ],
};
