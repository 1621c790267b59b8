/**
 * `tickpipe features`: appends indicator columns to candle records, per instrument and interval, in
 * one streaming pass. Other records pass through unchanged. docs/features.md.
 */

import { DataError, UsageError } from '../errors.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { attachText, derive, rawOf, type WireRecord, whereOf } from '../records/record.js';
import { type Feature, parseFeature } from './registry.js';

export interface FeaturesOptions {
  /** The `--add` specs, in column order. */
  readonly specs: readonly string[];
  readonly source?: string;
}

export class FeatureStage implements Stage {
  private readonly series = new Map<string, Feature[]>();
  readonly columns: readonly string[];
  private readonly quoted: Map<string, string>;

  constructor(private readonly options: FeaturesOptions) {
    if (options.specs.length === 0) throw new UsageError('give at least one --add (such as --add sma:20)');
    const cols = options.specs.flatMap((s) => parseFeature(s).columns);
    const seen = new Set<string>();
    for (const c of cols) {
      if (seen.has(c)) throw new UsageError(`--add: the column ${c} is asked for twice`);
      seen.add(c);
    }
    this.columns = cols;
    this.quoted = new Map(cols.map((c) => [c, JSON.stringify(c)]));
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (rec.type !== 'candle') {
      out.push(rec);
      return;
    }
    const key = `${String(rec.exchange)}\u0000${String(rec.symbol)}\u0000${String(rec.interval)}`;
    let fs = this.series.get(key);
    if (fs === undefined) {
      fs = this.options.specs.map((s) => parseFeature(s));
      this.series.set(key, fs);
    }
    for (const f of ['open', 'high', 'low', 'close', 'volume'])
      if (typeof rec[f] !== 'number')
        throw new DataError(
          whereOf(rec, this.options.source),
          `expected a number for "${f}", found ${JSON.stringify(rec[f])}`,
        );
    const c = rec as unknown as { open: number; high: number; low: number; close: number; volume: number };
    const added: Record<string, number | null> = {};
    let text = '';
    for (const f of fs) {
      const vals = f.update(c);
      for (let i = 0; i < f.columns.length; i++) {
        const col = f.columns[i]!;
        const x = vals[i] ?? null;
        added[col] = x;
        text += `,${this.quoted.get(col)}:${x === null ? 'null' : String(x)}`;
      }
    }
    // The output line is the input line with the columns appended: no re-serialising of the record
    // (String(x) is the shortest round-trip form JSON.stringify writes). A column the record already
    // has is replaced, and then the record is serialised whole.
    const raw = rawOf(rec)?.trimEnd();
    if (raw?.endsWith('}') && !this.columns.some((col) => col in rec)) {
      const copy = Object.assign({}, rec, added) as WireRecord;
      attachText(copy, `${raw.slice(0, -1)}${text}}`);
      out.push(copy);
    } else out.push(derive(rec, added));
  }

  finish(): void {}
}

export function features(input: RecordStream, stage: FeatureStage): RecordStream {
  return runStage(input, stage);
}
