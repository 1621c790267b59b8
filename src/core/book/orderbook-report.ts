/** What the orderbook stage counted, and its one line for stderr. */

import { escapeText } from '../records/text.js';

export interface OrderbookReport {
  books: number;
  applied: number;
  snapshots: number;
  stale: number;
  /** Updates before a book's first snapshot (or after a gap), which cannot be applied. */
  unsynced: number;
  gaps: number;
  crossed: number;
  uncrossedLevels: number;
  /** Book records refused (a sequence that is not a safe integer). */
  refused: number;
  firstGap: string | undefined;
  firstCrossed: string | undefined;
}

/** The report as one line for stderr. */
export function formatOrderbookReport(r: OrderbookReport): string {
  const parts = [
    `${r.books} book${r.books === 1 ? '' : 's'}`,
    `${r.snapshots} snapshot${r.snapshots === 1 ? '' : 's'}`,
    `${r.applied} update${r.applied === 1 ? '' : 's'} applied`,
  ];
  if (r.stale > 0) parts.push(`${r.stale} stale dropped`);
  if (r.unsynced > 0) parts.push(`${r.unsynced} before a snapshot dropped`);
  if (r.refused > 0) parts.push(`${r.refused} refused (sequence not a safe integer)`);
  parts.push(`${r.gaps} gap${r.gaps === 1 ? '' : 's'}`);
  if (r.crossed > 0)
    parts.push(
      `${r.crossed} crossed${r.uncrossedLevels > 0 ? ` (${r.uncrossedLevels} stale levels removed)` : ''}`,
    );
  let text = parts.join(', ');
  // These quote the input (a symbol, the file's name): escaped, one line each.
  if (r.firstGap !== undefined) text += `\n  first gap: ${escapeText(r.firstGap)}`;
  if (r.firstCrossed !== undefined) text += `\n  first crossed: ${escapeText(r.firstCrossed)}`;
  return text;
}
