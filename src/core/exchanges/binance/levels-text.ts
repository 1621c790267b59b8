/**
 * Price levels read straight from a Binance depth message's text: `[["61800.20","0.014"],...]`.
 *
 * A depth update is mostly its levels, and going through JSON.parse (an array and two strings per
 * level), Number (to the record's numbers) and JSON.stringify (back to text for the output) costs
 * three passes and much garbage. `scanLevels` makes one pass over the characters and produces both
 * the levels and their JSON text:
 * - the number: a decimal of at most 15 significant digits is its digits as an integer m (exact)
 *   divided by 10^f (exact for f <= 22): one correctly rounded division, so exactly the double
 *   Number() gives for the same text; any other decimal goes through Number() itself.
 * - the text: what JSON.stringify prints for that double. For such a decimal that is the decimal
 *   without trailing fractional zeros (or a bare dot), provided it has no leading zero before other
 *   integer digits and is at least 1e-6 (JavaScript prints smaller numbers with an exponent);
 *   otherwise the engine prints the double.
 *
 * The grammar accepted is strict: only `"digits[.digits]"` strings, no whitespace. Anything else
 * returns undefined and the caller parses the message with JSON.parse, so an unusual message is never
 * misread, only read more slowly.
 */

import type { Level } from '../../book/levels.js';
import { POW10 } from '../../records/number-text.js';

export interface ScannedLevels {
  readonly levels: Level[];
  /** The levels as JSON, without the enclosing brackets: `[61800.2,0.014],...`. */
  readonly text: string;
  /** The index just after the closing bracket. */
  readonly end: number;
}

const QUOTE = 34;
const COMMA = 44;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const OPEN = 91;
const CLOSE = 93;

/** Where the text is written (latin1: digits, dots, commas and brackets), grown as needed. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The levels array whose `[` is at `i`, or undefined when it is not plain `[["d","d"],...]`. One loop
 * with everything in locals (module variables in the inner loop cost a third of the time).
 */
export function scanLevels(s: string, i: number): ScannedLevels | undefined {
  if (s.charCodeAt(i) !== OPEN) return undefined;
  const levels: Level[] = [];
  if (s.charCodeAt(i + 1) === CLOSE) return { levels, text: '', end: i + 2 };
  // Each input character gives at most one output character, except a number printed by the engine
  // (at most 25); so the input's length plus that per number bounds the output.
  let out = scratch;
  let w = 0;
  let k = i + 1;
  let price = 0;
  for (;;) {
    if (s.charCodeAt(k) !== OPEN) return undefined;
    if (out.length - w < 128) {
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, w);
      out = scratch = bigger;
    }
    if (levels.length > 0) out[w++] = COMMA;
    out[w++] = OPEN;
    k++;
    for (let n = 0; n < 2; n++) {
      // A quoted decimal at k.
      if (s.charCodeAt(k) !== QUOTE) return undefined;
      const start = ++k;
      const mark = w;
      let m = 0;
      let significant = 0;
      let frac = 0;
      let dot = -1;
      let leadingFracZeros = 0;
      for (; ; k++) {
        const c = s.charCodeAt(k);
        if (c >= ZERO && c <= NINE) {
          if (m !== 0 || c !== ZERO) significant++;
          else if (dot >= 0) leadingFracZeros++;
          m = m * 10 + (c - ZERO);
          if (dot >= 0) frac++;
          out[w++] = c;
        } else if (c === DOT && dot < 0 && k > start) {
          dot = k;
          out[w++] = c;
        } else break;
        if (w - mark > 40) return undefined; // an absurd length: let JSON.parse have it
      }
      if (s.charCodeAt(k) !== QUOTE || k === start || dot === k - 1) return undefined;
      const leadingZero = s.charCodeAt(start) === ZERO;
      const intDigits = (dot < 0 ? k : dot) - start;
      let v: number;
      if (
        significant <= 15 &&
        frac <= 22 &&
        !(leadingZero && intDigits > 1) &&
        !(leadingZero && m !== 0 && leadingFracZeros >= 6)
      ) {
        v = frac === 0 ? m : m / POW10[frac]!;
        if (dot >= 0) {
          while (out[w - 1] === ZERO) w--;
          if (out[w - 1] === DOT) w--;
        }
      } else {
        v = Number(s.slice(start, k));
        const t = String(v);
        w = mark;
        for (let j = 0; j < t.length; j++) out[w++] = t.charCodeAt(j);
      }
      k++; // the closing quote
      if (n === 0) {
        if (s.charCodeAt(k) !== COMMA) return undefined;
        out[w++] = COMMA;
        k++;
        price = v;
      } else {
        if (s.charCodeAt(k) !== CLOSE) return undefined;
        out[w++] = CLOSE;
        levels.push([price, v]);
      }
    }
    const c = s.charCodeAt(++k);
    if (c === CLOSE) return { levels, text: out.toString('latin1', 0, w), end: k + 1 };
    if (c !== COMMA) return undefined;
    k++;
  }
}
