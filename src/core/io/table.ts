/**
 * Records as CSV or TSV rows, for `--format csv|tsv` (docs/cli.md, "Tables"). The rules:
 *
 * - A record is flattened to columns: nested objects with dots (`portfolio.sharpe_ratio.value`),
 *   arrays by 1-based position (`bids.1.1`), as miller flattens; an empty object or array is the
 *   cell `{}` or `[]`.
 * - The header is the first record's columns, in its key order.
 * - A later record whose columns are all in the header is a row under it, a column it lacks an empty
 *   cell. A record with a column the header does not have starts a new block: an empty line, then
 *   its own header (miller's csvlite convention, `mlr --icsvlite` reads it back). Nothing is dropped.
 * - Cells: null is empty; strings as they are; numbers and booleans as JSON writes them. CSV quotes
 *   a cell that holds a comma, a double quote, a CR or LF, or starts or ends with a space (RFC 4180,
 *   quotes doubled); TSV writes a tab, a newline, a CR and a backslash as `\t`, `\n`, `\r`, `\\`.
 */

import type { WireRecord } from '../records/record.js';

export const FORMATS = ['ndjson', 'csv', 'tsv'] as const;
export type Format = (typeof FORMATS)[number];

/** The record's columns and cells, in key order. */
export function flatten(record: object): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, prefix: string): void => {
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i + 1), v] as const)
        : Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) {
        out.set(prefix, Array.isArray(value) ? '[]' : '{}');
        return;
      }
      for (const [k, v] of entries) walk(v, prefix === '' ? k : `${prefix}.${k}`);
      return;
    }
    out.set(prefix, value);
  };
  for (const [k, v] of Object.entries(record)) walk(v, k);
  return out;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

const CSV_QUOTE = /[",\r\n]|^ | $/;

function csvCell(value: unknown): string {
  const text = cellText(value);
  return CSV_QUOTE.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function tsvCell(value: unknown): string {
  return cellText(value).replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

export class TableFormatter {
  private header: string[] | undefined;
  private headerSet = new Set<string>();
  private readonly cell: (value: unknown) => string;
  private readonly sep: string;

  constructor(format: 'csv' | 'tsv') {
    this.cell = format === 'csv' ? csvCell : tsvCell;
    this.sep = format === 'csv' ? ',' : '\t';
  }

  /** The text of a batch of records: rows, with a header before the first and at each new block. */
  format(records: readonly WireRecord[]): string {
    let text = '';
    for (const record of records) {
      const cells = flatten(record);
      let fits = this.header !== undefined;
      if (fits) for (const k of cells.keys()) if (!this.headerSet.has(k)) fits = false;
      if (!fits) {
        if (this.header !== undefined) text += '\n';
        this.header = [...cells.keys()];
        this.headerSet = new Set(this.header);
        text += `${this.header.map((h) => this.cell(h)).join(this.sep)}\n`;
      }
      text += `${this.header!.map((h) => this.cell(cells.get(h))).join(this.sep)}\n`;
    }
    return text;
  }
}
