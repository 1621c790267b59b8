/**
 * Counting records by type as they pass, for a command that must say so when its input held none of
 * the records it needs (summarize on candles, backtest --fill-model trade on candle-only data):
 * docs/cli.md, "Nothing found is said".
 */

import type { WireRecord } from '../records/record.js';
import type { RecordStream } from './stream.js';

export class TypeCounts {
  total = 0;
  readonly byType = new Map<string, number>();

  add(record: WireRecord): void {
    this.total++;
    const t = record.type;
    this.byType.set(t, (this.byType.get(t) ?? 0) + 1);
  }

  /** Records of any of these types. */
  of(...types: readonly string[]): number {
    let n = 0;
    for (const t of types) n += this.byType.get(t) ?? 0;
    return n;
  }

  /** What was found, for a message: `30 records (30 candle)`, the commonest types first. */
  describe(limit = 4): string {
    const types = [...this.byType.entries()].sort((a, b) => b[1] - a[1]);
    const shown = types.slice(0, limit).map(([t, n]) => `${n} ${t}`);
    if (types.length > limit) shown.push(`${types.length - limit} other types`);
    return `${this.total} record${this.total === 1 ? '' : 's'} (${shown.join(', ')})`;
  }
}

/** Passes a stream through unchanged, showing every record to `see` (a count, a tally). */
export async function* tap(
  input: RecordStream,
  see: (record: WireRecord) => void,
): AsyncGenerator<WireRecord[]> {
  for await (const batch of input) {
    for (let i = 0; i < batch.length; i++) see(batch[i]!);
    yield batch;
  }
}
