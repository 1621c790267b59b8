/**
 * Text from a file that ends up in a message (a zip entry's name): control characters are written
 * as escapes (`\x1b`, `\n`), so a crafted name cannot retitle the terminal, move the cursor or
 * forge a line of the report. Everything else, non-ASCII letters included, is kept.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeText(text: string): string {
  return text.replace(
    CONTROL,
    (c) =>
      NAMED[c] ??
      (c.charCodeAt(0) <= 0xff
        ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
        : `\\u${c.charCodeAt(0).toString(16)}`),
  );
}
