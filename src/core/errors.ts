/**
 * Typed errors. The core throws these and never exits the process; the command layer maps them to
 * exit codes (docs/cli.md): a UsageError exits 2, any other TickpipeError exits 1.
 */

import { escapeText } from './records/text.js';

export class TickpipeError extends Error {
  readonly exitCode: 1 | 2 = 1;
}

/** The invocation is wrong (an unknown flag value, a conflicting option): exit 2. */
export class UsageError extends TickpipeError {
  override readonly exitCode = 2 as const;
}

/** Input data is wrong at a known place: `stdin:42: expected a number for "price", found "abc"`. */
export class DataError extends TickpipeError {
  readonly where: string;
  readonly detail: string;

  /** Both parts may quote input: they are escaped (records/text.ts), so the message is one safe line. */
  constructor(where: string, detail: string) {
    const w = escapeText(where);
    const d = escapeText(detail);
    super(`${w}: ${d}`);
    this.where = w;
    this.detail = d;
  }
}

/**
 * The bytes themselves are damaged or hostile (a corrupt gzip stream, a truncated zip, a zip bomb),
 * not the records in them: a downloaded file that fails so is never kept.
 */
export class CorruptInput extends TickpipeError {
  constructor(where: string | undefined, detail: string) {
    super(escapeText(where === undefined ? detail : `${where}: ${detail}`));
  }
}

/** The process was told to stop (SIGINT/SIGTERM) or its reader went away (EPIPE). */
export class StopRequested extends Error {}

/** Renders a value found in input for an error message: short, quoted, never multi-line. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  // JSON.stringify writes a number out of a double's range (1e400 read as Infinity) as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
