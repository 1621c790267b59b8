/**
 * What the risk manager refused, told from the run's own output: the `order` records with status
 * `rejected`. The backtest command reads this tally at the end of a run and says on stderr how many
 * orders were rejected, the commonest reasons, and the flag that would fix them, so a run whose
 * every order was refused does not end in silence (docs/backtest.md, "Rejected orders").
 *
 * Reasons are grouped by their shape (numbers taken out), so "free 10000, needs 42143.28" and
 * "free 10000, needs 43045.56" are one reason; each group keeps its first full text as the example.
 */

import type { WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';

interface Group {
  readonly example: string;
  count: number;
}

/** Reasons with the flags that would fix them, first match wins. */
const FIXES: readonly (readonly [RegExp, string])[] = [
  [/spot cannot go short/, '--allow-short, or a --balance of the base asset'],
  [
    /^insufficient /,
    'a smaller --sizing (percent-equity:0.25 is the default), a larger --balance, or a higher --max-leverage for perpetuals',
  ],
  [/max_leverage/, '--max-leverage, or a smaller --sizing'],
  [/max_exposure_percent/, '--max-exposure-percent, or a smaller --sizing'],
  [/max_order_notional/, '--max-order-notional, or a smaller --sizing'],
  [/max_position_notional/, '--max-position-notional, or a smaller --sizing'],
  [/max_position_amount/, '--max-position-amount, or a smaller --sizing'],
  [/max_open_orders/, '--max-open-orders'],
  [/rounds down to 0 at lot size|below the minimum|sizing gave no amount/, 'a larger --sizing'],
  [/daily loss limit/, '--daily-loss-limit-percent'],
];

/** The flag(s) that would fix a rejection reason, or undefined when no flag does. */
export function fixFor(reason: string): string | undefined {
  for (const [pattern, fix] of FIXES) if (pattern.test(reason)) return fix;
  return undefined;
}

export class RejectionTally {
  /** Rejected orders seen. */
  rejected = 0;
  private readonly groups = new Map<string, Group>();

  /** Looks at one output record; only rejected orders count. */
  observe(record: WireRecord): void {
    if (record.type !== 'order' || record.status !== 'rejected') return;
    this.rejected++;
    const reason = typeof record.reason === 'string' ? record.reason : 'no reason given';
    const key = reason.replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#');
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, { example: reason, count: 1 });
    else group.count++;
  }

  /** The commonest reasons first (ties: the first seen first), with counts and their example texts. */
  reasons(): { reason: string; count: number; fix: string | undefined }[] {
    return [...this.groups.values()]
      .map((g, i) => ({ g, i }))
      .sort((a, b) => b.g.count - a.g.count || a.i - b.i)
      .map(({ g }) => ({ reason: g.example, count: g.count, fix: fixFor(g.example) }));
  }

  /**
   * One line for stderr, or undefined when nothing was rejected: how many of `orders`, the first
   * `limit` reasons with their counts, and the flags that would fix them.
   */
  message(orders: number, limit = 3): string | undefined {
    if (this.rejected === 0) return undefined;
    const all = this.reasons();
    const shown = all
      .slice(0, limit)
      .map((r) => `${r.count} × ${r.reason}${r.fix === undefined ? '' : ` (fix: ${r.fix})`}`);
    const more =
      all.length > limit
        ? `; and ${all.length - limit} more reason${all.length - limit === 1 ? '' : 's'} in the order records`
        : '';
    // Reasons quote strategies' and records' text (a symbol, a tag): escaped for the terminal.
    return escapeText(
      `${this.rejected} of ${orders} order${orders === 1 ? '' : 's'} rejected: ${shown.join('; ')}${more}`,
    );
  }
}
