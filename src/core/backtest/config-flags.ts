/** The backtest command's flags that take structured text: --balance, --fees, --sizing, --param. */

import { UsageError } from '../errors.js';
import { type BalanceConfig, SIZING_MODES, type SizingConfig } from './config.js';
import { balanceFree, num, oneOf } from './config-values.js';

/**
 * `--balance` values, each of which may hold several balances separated by commas
 * (`binance_spot:usdt=10000,binance_spot:btc=1`): one text per balance, a `free=AMOUNT` piece
 * staying with the balance before it (`binance_spot:usdt=10000,free=8000`).
 */
export function splitBalanceFlags(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const piece of values.flatMap((v) => v.split(','))) {
    if (/^\s*free=/.test(piece) && out.length > 0) out[out.length - 1] += `,${piece.trim()}`;
    else out.push(piece.trim());
  }
  return out;
}

/** `--balance binance_spot:usdt=10000` or `--balance binance_spot:usdt=10000,free=8000` */
export function parseBalanceFlag(text: string): BalanceConfig {
  const m = /^([^:=\s]+):([^:=\s]+)=([^,]+?)(?:,\s*free=(.+))?$/.exec(text);
  if (m === null)
    throw new UsageError(
      `--balance: expected EXCHANGE:ASSET=AMOUNT or EXCHANGE:ASSET=AMOUNT,free=AMOUNT, found "${text}"`,
    );
  const total = num('--balance', m[3], 0);
  return { exchange: m[1]!, asset: m[2]!.toLowerCase(), total, ...balanceFree('--balance', total, m[4]) };
}

/** `--fees maker=2,taker=5` (bps) */
export function parseFeesFlag(text: string): { maker_bps?: number; taker_bps?: number } {
  const out: { maker_bps?: number; taker_bps?: number } = {};
  for (const part of text.split(',')) {
    const m = /^\s*(maker|taker)\s*=\s*(.+?)\s*$/.exec(part);
    if (m === null) throw new UsageError(`--fees: expected maker=BPS,taker=BPS, found "${text}"`);
    if (m[1] === 'maker') out.maker_bps = num('--fees maker', m[2]);
    else out.taker_bps = num('--fees taker', m[2], 0);
  }
  return out;
}

/** `--sizing fixed-amount:0.01`, `fixed-notional:1000`, `percent-equity:0.25`, `kelly:0.5` */
export function parseSizingFlag(text: string): SizingConfig {
  const m = /^([a-z-]+):(.+)$/.exec(text.trim());
  if (m === null)
    throw new UsageError(`--sizing: expected MODE:VALUE (${SIZING_MODES.join(', ')}), found "${text}"`);
  return { mode: oneOf('--sizing', m[1], SIZING_MODES), value: num('--sizing', m[2], 0, true) };
}

/** `--param k=v`: numbers, booleans and strings. */
export function parseParamFlag(text: string): [string, unknown] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`--param: expected KEY=VALUE, found "${text}"`);
  const key = text.slice(0, i).trim();
  const raw = text.slice(i + 1).trim();
  let value: unknown = raw;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw !== '' && Number.isFinite(Number(raw))) value = Number(raw);
  return [key, value];
}
