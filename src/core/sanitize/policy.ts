/**
 * Problem classes found by `sanitize`, what can be done about each, and the defaults.
 * docs/sanitize.md is the user-facing version of this table.
 */

import { UsageError } from '../errors.js';

export type Action = 'drop' | 'fix' | 'fail' | 'keep' | 'flag';

export const PROBLEM_CLASSES = [
  'schema',
  'ohlc',
  'candle_time',
  'duplicate',
  'conflict',
  'order',
  'gap',
  'spike',
  'crossed',
  'sequence',
] as const;
export type ProblemClass = (typeof PROBLEM_CLASSES)[number];

export interface ClassInfo {
  readonly allowed: readonly Action[];
  readonly default: Action;
  readonly what: string;
}

export const CLASS_INFO: Record<ProblemClass, ClassInfo> = {
  schema: {
    allowed: ['drop', 'keep', 'fail'],
    default: 'drop',
    what: 'a required field missing or of the wrong kind, a non-finite or out-of-range number, an unknown side, an unparseable time',
  },
  ohlc: {
    allowed: ['drop', 'fix', 'keep', 'flag', 'fail'],
    default: 'drop',
    what: 'a candle whose low is above its open or close, or whose high is below them (fix: widen high and low to contain open and close)',
  },
  candle_time: {
    allowed: ['fix', 'drop', 'keep', 'flag', 'fail'],
    default: 'fix',
    what: 'a candle whose time is not open_time + interval (fix: set time to open_time + interval)',
  },
  duplicate: {
    allowed: ['drop', 'keep', 'fail'],
    default: 'drop',
    what: 'a record repeating an earlier one exactly (same series and key, same values)',
  },
  conflict: {
    allowed: ['drop', 'keep', 'fail'],
    default: 'drop',
    what: 'a record with the key of an earlier one (candle open_time, trade id, book sequence) but other values; the first is kept',
  },
  order: {
    allowed: ['drop', 'keep', 'fail'],
    default: 'drop',
    what: 'a record older than one already written (use --reorder-window N to sort within a bounded buffer)',
  },
  gap: {
    allowed: ['keep', 'fix', 'fail'],
    default: 'keep',
    what: 'missing candles between two of a series (fix, or --fill-gaps flat: insert flat zero-volume candles marked "synthetic": true)',
  },
  spike: {
    allowed: ['flag', 'drop', 'keep', 'fail'],
    default: 'flag',
    what: 'a price more than --spike K rolling median absolute deviations from the rolling median (only with --spike)',
  },
  crossed: {
    allowed: ['drop', 'keep', 'flag', 'fail'],
    default: 'drop',
    what: 'a quote with bid_price > ask_price, or a book record whose best bid is at or above its best ask',
  },
  sequence: {
    allowed: ['drop', 'keep', 'fail'],
    default: 'drop',
    what: 'a book delta whose sequence is lower than the last one of its book (a snapshot resets the book)',
  },
};

export type Policy = Record<ProblemClass, Action>;

export function defaultPolicy(): Policy {
  const p = {} as Policy;
  for (const c of PROBLEM_CLASSES) p[c] = CLASS_INFO[c].default;
  return p;
}

/**
 * Reads `--policy` values: `ACTION` sets every class that allows it (the others keep their default),
 * `CLASS=ACTION` sets one class; several may be given, comma-separated or repeated; later ones win.
 */
export function parsePolicy(specs: readonly string[], base: Policy = defaultPolicy()): Policy {
  const policy = { ...base };
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      const item = part.trim();
      if (item.length === 0) continue;
      const eq = item.indexOf('=');
      if (eq === -1) {
        const action = asAction(item);
        for (const c of PROBLEM_CLASSES) if (CLASS_INFO[c].allowed.includes(action)) policy[c] = action;
        continue;
      }
      const cls = item.slice(0, eq).trim();
      const action = asAction(item.slice(eq + 1).trim());
      if (!(PROBLEM_CLASSES as readonly string[]).includes(cls)) {
        throw new UsageError(
          `--policy: unknown problem class "${cls}" (known: ${PROBLEM_CLASSES.join(', ')})`,
        );
      }
      const info = CLASS_INFO[cls as ProblemClass];
      if (!info.allowed.includes(action)) {
        throw new UsageError(`--policy: ${cls} can be ${info.allowed.join(', ')}, not ${action}`);
      }
      policy[cls as ProblemClass] = action;
    }
  }
  return policy;
}

function asAction(text: string): Action {
  if (text === 'drop' || text === 'fix' || text === 'fail' || text === 'keep' || text === 'flag') return text;
  throw new UsageError(`--policy: unknown action "${text}" (known: drop, fix, fail, keep, flag)`);
}
