/**
 * The one place colour is decided. Every coloured output (diagnostics on stderr, `summarize --pretty`)
 * takes its chalk instance from `colourFor(stream)`, whose level comes from `colourLevel`:
 *
 * 1. `--color never` gives none and `--color always` gives colour (at FORCE_COLOR's level if it sets
 *    one, else the terminal's, at least 16 colours), whatever the environment says;
 * 2. under `--color auto` (the default): `FORCE_COLOR` set to 1, 2 or 3 (or empty, or `true`) forces
 *    colour at that level, also into a pipe (`summarize --pretty | less -R`); `FORCE_COLOR=0` or
 *    `false` turns it off;
 * 3. else `NO_COLOR` set to anything but the empty string turns it off (no-color.org);
 * 4. else `TERM=dumb` turns it off;
 * 5. else colour only when the stream is a terminal: truecolor when `COLORTERM` says so, 256 colours
 *    when `TERM` says so, else 16.
 */

import { Chalk, type ChalkInstance } from 'chalk';

export const COLOUR_MODES = ['auto', 'always', 'never'] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];
export type ColourLevel = 0 | 1 | 2 | 3;

export interface ColourFacts {
  readonly mode: ColourMode;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** FORCE_COLOR's level, or undefined when it is not set (or set to something it does not define). */
function forcedLevel(value: string | undefined): ColourLevel | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'true') return 1;
  if (v === 'false' || v === '0') return 0;
  if (v === '1' || v === '2' || v === '3') return Number(v) as ColourLevel;
  return undefined;
}

function terminalLevel(env: ColourFacts['env']): ColourLevel {
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 3;
  if (/256/.test(env.TERM ?? '')) return 2;
  return 1;
}

/** The colour level for one output stream (see the module comment for the order of the rules). */
export function colourLevel({ mode, isTTY, env }: ColourFacts): ColourLevel {
  const forced = forcedLevel(env.FORCE_COLOR);
  if (mode === 'never') return 0;
  if (mode === 'always') return forced !== undefined && forced > 0 ? forced : terminalLevel(env);
  if (forced !== undefined) return forced;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.TERM === 'dumb') return 0;
  return isTTY ? terminalLevel(env) : 0;
}

/** The `--color` value in an argument list (`--color X`, `--color=X`, also spelt `--colour`), if any. */
export function colourModeFromArgv(argv: readonly string[]): ColourMode | undefined {
  let found: ColourMode | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    const m = /^--colou?r(?:=(.*))?$/.exec(arg);
    if (m === null) continue;
    const value = m[1] ?? argv[i + 1];
    if ((COLOUR_MODES as readonly string[]).includes(value ?? '')) found = value as ColourMode;
  }
  return found;
}

let mode: ColourMode = 'auto';

/** Sets the `--color` mode for the rest of the run (the base command does, before anything is printed). */
export function setColourMode(next: ColourMode): void {
  mode = next;
}

/** A chalk instance for writing to `stream`, its level decided by `colourLevel`. */
export function colourFor(stream: { isTTY?: boolean }, env: ColourFacts['env'] = process.env): ChalkInstance {
  return new Chalk({ level: colourLevel({ mode, isTTY: stream.isTTY === true, env }) });
}
