/**
 * Text from input that reaches a terminal or a report (a symbol, a line of a file, a zip entry's
 * name, a parser's message quoting its input) is escaped first: a crafted input must not retitle the
 * terminal, move the cursor, clear the screen or forge report lines. Escaped: the C0 controls
 * (newline and tab included) and DEL as `\xNN`, the C1 controls (U+0080 to U+009F, which some
 * terminals read as escape sequences) and the Unicode bidirectional and line/paragraph separators
 * (which reorder or break what is shown) as `\u{NNNN}`; a backslash stays a backslash. Everything
 * else, accented letters and CJK included, is written as it is.
 */

// C0, DEL, C1; the bidi embeddings, overrides and isolates; the line and paragraph separators; and
// the byte order mark / zero-width no-break space.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** `text` with every character that could act on a terminal escaped (see above). */
export function escapeText(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    if (n < 0x20 || n === 0x7f) return `\\x${n.toString(16).padStart(2, '0')}`;
    return `\\u{${n.toString(16).padStart(4, '0')}}`;
  });
}

/**
 * `s` as one flat string. A template literal makes a rope (a tree of its pieces); a text kept for the
 * whole run (an instrument's or a balance's JSON head) would keep every piece alive and be walked
 * again in each record written with it. Reading a character makes V8 flatten the rope in place.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
