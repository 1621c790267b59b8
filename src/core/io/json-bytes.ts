/**
 * The bytes of JSON text that the line scanners test, shared by the readers that take records
 * straight from a line's bytes (`scanCandle` in features/scan.ts, `scanBook` in book/scan.ts):
 * the words true, false and null, a test for a word, and a member name as the scanners match it.
 * Not the single byte codes (`"`, `:`, digits): each scanner keeps those as its own constants,
 * which its hot loops read faster than another module's exports.
 */

export const TRUE = Buffer.from('true', 'latin1');
export const FALSE = Buffer.from('false', 'latin1');
export const NULL = Buffer.from('null', 'latin1');

/** True when the bytes of `word` are at `k`. */
export function wordAt(s: Uint8Array, k: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (s[k + i] !== word[i]) return false;
  return true;
}

/** A member's name as the scanners match it, just after its opening quote: the name, the closing quote and the colon. */
export function memberName(name: string): Buffer {
  return Buffer.from(`${name}":`, 'latin1');
}
