/** The value readers of the backtest configuration and its flags: each checks one value and names its place. */

import { UsageError } from '../errors.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkKeys(where: string, v: Obj, allowed: readonly string[]): void {
  const unknown = Object.keys(v).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    throw new UsageError(
      `${where}: unknown key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`,
    );
}

/** A number setting (a JSON number or a decimal string, as flags give them), checked against a minimum. */
export function num(where: string, v: unknown, min = Number.NEGATIVE_INFINITY, strictMin = false): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (strictMin ? n <= min : n < min))
    throw new UsageError(
      `${where}: expected a number${min === Number.NEGATIVE_INFINITY ? '' : strictMin ? ` > ${min}` : ` >= ${min}`}, found ${JSON.stringify(v)}`,
    );
  return n;
}

export function optNum(where: string, v: unknown, min = 0, strictMin = true): number | undefined {
  return v === undefined || v === null ? undefined : num(where, v, min, strictMin);
}

export function str(where: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0)
    throw new UsageError(`${where}: expected a string, found ${JSON.stringify(v)}`);
  return v;
}

export function bool(where: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new UsageError(`${where}: expected true or false, found ${JSON.stringify(v)}`);
  return v;
}

export function oneOf<T extends string>(where: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T))
    throw new UsageError(`${where}: expected one of ${options.join(', ')}, found ${JSON.stringify(v)}`);
  return v as T;
}

/** `free`, when given, must be within [0, total]. */
export function balanceFree(where: string, total: number, v: unknown): { free?: number } {
  if (v === undefined) return {};
  const free = num(`${where}.free`, v, 0);
  if (free > total) throw new UsageError(`${where}: free ${free} is more than total ${total}`);
  return { free };
}
