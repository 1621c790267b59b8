/**
 * Counting records by type as they pass, for a command that must say so when its input held none of
 * the records it needs (summarize on candles, backtest --fill-model trade on candle-only data):
 * docs/cli.md, "Nothing found is said".
 */

import type { WireRecord } from '../records/record.js';
import type { RecordStream } from './stream.js';

export class TypeCounts {
  total = 0;
  private readonly byType = new Map<string, { n: number }>();
  /** The last record's type and its counter: a run of one type costs no map lookup (the hot path). */
  private lastType: string | undefined;
  private last = { n: 0 };

  add(record: WireRecord): void {
    this.total++;
    const t = record.type;
    if (t !== this.lastType) {
      let c = this.byType.get(t);
      if (c === undefined) {
        c = { n: 0 };
        this.byType.set(t, c);
      }
      this.last = c;
      this.lastType = t;
    }
    this.last.n++;
  }

  /** Records of any of these types. */
  of(...types: readonly string[]): number {
    let n = 0;
    for (const t of types) n += this.byType.get(t)?.n ?? 0;
    return n;
  }

  /** What was found, for a message: `30 records (30 candle)`, the commonest types first. */
  describe(limit = 4): string {
    const types = [...this.byType.entries()].map(([t, c]) => [t, c.n] as const).sort((a, b) => b[1] - a[1]);
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
