/**
 * Columns found by their header names, for the Binance archive files whose header tickpipe reads
 * by name (liquidationSnapshot, BVOLIndex, EOHSummary): a file with a header is read by the names
 * it gives, so a reordered file is still read right; one without a header is read in the documented
 * order. A header lacking a required column makes every row of that file a located error.
 */

import { decimalValue, RowError, startsWithName, withinBound } from '../rows.js';

export class NamedColumns<C extends string> {
  private at: Map<C, number>;
  private width: number;
  private problem: string | undefined;

  constructor(
    private readonly order: readonly C[],
    private readonly required: readonly C[],
  ) {
    this.at = new Map(order.map((c, i) => [c, i]));
    this.width = order.length;
  }

  /** For RowParser.isHeader: a first line of names is taken as the header, and read. */
  header(fields: string[]): boolean {
    if (!startsWithName(fields)) return false;
    const names = fields.map((f) => f.trim());
    this.at = new Map();
    for (const c of this.order) {
      const i = names.indexOf(c);
      if (i >= 0) this.at.set(c, i);
    }
    const missing = this.required.filter((c) => !this.at.has(c));
    if (missing.length > 0)
      this.problem = `the header has no ${missing.map((m) => `"${m}"`).join(', ')} column (found ${names.join(',').slice(0, 120)})`;
    this.width = names.length;
    return true;
  }

  /** Checks a row's width (and the header); throws RowError. */
  check(fields: string[], what: string): void {
    if (this.problem !== undefined) throw new RowError(this.problem);
    if (fields.length !== this.width)
      throw new RowError(`expected ${this.width} columns in ${what}, found ${fields.length}`);
  }

  has(c: C): boolean {
    return this.at.has(c);
  }

  index(c: C): number {
    return this.at.get(c)!;
  }

  /** The column's text, or undefined when the file has no such column. */
  text(fields: string[], c: C): string | undefined {
    const i = this.at.get(c);
    return i === undefined ? undefined : fields[i];
  }

  /**
   * An optional number: undefined when the column is absent or empty (the archive leaves fields it
   * has no value for empty); a located error when it is there but not a decimal, negative where
   * `nonnegative`, or beyond the format's bounds (1e18 in magnitude: records/bounds.ts).
   */
  number(fields: string[], c: C, nonnegative: boolean): number | undefined {
    const s = this.text(fields, c);
    if (s === undefined || s.length === 0) return undefined;
    const n = decimalValue(s);
    if (n === undefined) throw new RowError(`expected a number for "${c}", found "${s.slice(0, 40)}"`);
    return withinBound(n, nonnegative ? 'nonnegative' : 'any', c, s);
  }
}
