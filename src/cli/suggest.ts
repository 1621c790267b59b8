/**
 * "Did you mean": the closest of the known names to a mistyped one, by Damerau-Levenshtein distance
 * (an adjacent swap such as `backtets` counts as one edit). A suggestion is made only when the
 * distance is small for the name's length (at most 1 for up to 4 characters, 2 up to 8, else 3), or
 * when the names differ only in punctuation and case (`smacross` for `sma-cross`).
 */

/** Edits between `a` and `b`: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}

const squash = (s: string): string => s.toLowerCase().replace(/[-_.:\s]/g, '');

/** The known name closest to `given`, or undefined when none is close enough to be a typo of it. */
export function closest(given: string, known: Iterable<string>): string | undefined {
  const limit = given.length <= 4 ? 1 : given.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance =
      squash(name) === squash(given) ? 0 : editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** The message for a word that names no command (`tickpipe backtets`, `tickpipe help backtets`). */
export function notACommand(given: string, ids: Iterable<string>): string {
  return `"${given}" is not a tickpipe command.${didYouMean(given, ids)}\nSee: tickpipe --help`;
}

/**
 * The message for a command id oclif did not find (`backtets`, `stor`, `store:reed`), suggesting
 * among what can be typed there: the first words (commands and topics such as `store`) for the
 * first word, a topic's own commands after a topic (`store reed` -> `store read`).
 */
export function notACommandId(id: string, ids: readonly string[]): string {
  const words = id.split(':');
  const topic = words[0] ?? id;
  const subs = ids.filter((c) => c.startsWith(`${topic}:`)).map((c) => c.slice(topic.length + 1));
  if (words.length > 1 && subs.length > 0) {
    const given = words.slice(1).join(' ');
    return `"${topic} ${given}" is not a tickpipe command.${didYouMean(given, subs, `${topic} `)}\nSee: tickpipe ${topic} --help`;
  }
  return notACommand(topic, new Set(ids.map((c) => c.split(':')[0] ?? c)));
}

/** ` Did you mean "X"?` for a close name, or the empty string. */
export function didYouMean(given: string, known: Iterable<string>, prefix = ''): string {
  const match = closest(given, known);
  return match === undefined ? '' : ` Did you mean "${prefix}${match}"?`;
}
