/**
 * The man page, tickpipe(1), generated from the manifest (the same text `--help` shows) by
 * `npm run man` (and `npm run build`) into man/tickpipe.1, which the package ships (package.json
 * `man`), so `man tickpipe` works after `npm install -g`.
 */

import { exampleText, type Manifest, type ManifestFlag, visibleCommands, visibleFlags } from './manifest.js';

/** Text made safe for roff: backslashes, and a line starting with a control character. */
export function roffText(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function flagHeading(f: ManifestFlag): string {
  const names = [`\\fB\\-\\-${roffText(f.name)}\\fR`];
  if (f.char !== undefined) names.unshift(`\\fB\\-${f.char}\\fR`);
  let heading = names.join(', ');
  if (f.type === 'option')
    heading += f.options === undefined ? ' \\fIvalue\\fR' : ` ${roffText(f.options.join('|'))}`;
  if (f.allowNo === true) heading += `, \\fB\\-\\-no\\-${roffText(f.name)}\\fR`;
  return heading;
}

function flagBody(f: ManifestFlag): string {
  let text = f.description ?? f.summary ?? '';
  if (f.multiple === true) text += ' Repeatable.';
  if (f.default !== undefined && f.default !== false && !(Array.isArray(f.default) && f.default.length === 0))
    text += ` Default: ${String(f.default)}.`;
  return roffText(text);
}

export interface ManOptions {
  readonly version: string;
  readonly description: string;
  readonly homepage?: string | undefined;
}

/** tickpipe(1) as roff (man(7) macros). */
export function manPage(manifest: Manifest, options: ManOptions): string {
  const out: string[] = [];
  const commands = visibleCommands(manifest);
  out.push(`.TH TICKPIPE 1 "" "tickpipe ${roffText(options.version)}" "User Commands"`);
  out.push('.SH NAME', `tickpipe \\- ${roffText(options.description)}`);
  out.push('.SH SYNOPSIS', '\\fBtickpipe\\fR \\fICOMMAND\\fR [\\fIFILE\\fR] [\\fIflags\\fR]');
  out.push('.br', '\\fBtickpipe\\fR \\fBhelp\\fR [\\fICOMMAND\\fR]');
  out.push(
    '.SH DESCRIPTION',
    'Every command reads NDJSON records on standard input (or a \\fIFILE\\fR, gzip or not) and writes NDJSON records on standard output, so pipelines chain fetch, sanitize, backtest and summarize. Diagnostics go to standard error.',
  );
  out.push('.SH COMMANDS');
  for (const c of commands) {
    out.push('.TP', `\\fB${c.id}\\fR`, roffText(c.summary ?? ''));
  }
  for (const c of commands) {
    const args = Object.values(c.args)
      .map((a) => ` [\\fI${roffText(a.name.toUpperCase())}\\fR]`)
      .join('');
    out.push(`.SH "TICKPIPE ${c.id.toUpperCase()}"`, `\\fBtickpipe ${c.id}\\fR${args} [\\fIflags\\fR]`);
    if (c.summary !== undefined) out.push('.PP', roffText(c.summary));
    for (const para of (c.description ?? '').split(/\n\s*\n/))
      if (para.trim() !== '') out.push('.PP', roffText(para.trim()));
    for (const a of Object.values(c.args))
      out.push('.TP', `\\fI${roffText(a.name.toUpperCase())}\\fR`, roffText(a.description ?? ''));
    for (const f of visibleFlags(c)) out.push('.TP', flagHeading(f), flagBody(f));
    const examples = c.examples ?? [];
    if (examples.length > 0) {
      out.push('.PP', '\\fBExamples\\fR');
      for (const e of examples) {
        const command = typeof e === 'string' ? e : e.command;
        if (typeof e !== 'string' && e.description !== undefined) out.push('.PP', roffText(e.description));
        out.push('.PP', '.RS 4', '.nf', roffText(exampleText(command, c.id)), '.fi', '.RE');
      }
    }
  }
  out.push(
    '.SH "EXIT STATUS"',
    '.TP',
    '0',
    'Success; also when the reader of standard output went away (EPIPE).',
    '.TP',
    '1',
    'A data or runtime error, anything that could not be delivered, or bad lines skipped without \\-\\-allow\\-errors.',
    '.TP',
    '2',
    'A usage error: an unknown command, flag or value, a missing file, an interactive terminal as input.',
    '.TP',
    '130, 143',
    'Interrupted by SIGINT or SIGTERM, after flushing what the run owes.',
  );
  out.push(
    '.SH ENVIRONMENT',
    '.TP',
    '\\fBNO_COLOR\\fR',
    'Set (and not empty): no colour, unless \\-\\-color always.',
    '.TP',
    '\\fBFORCE_COLOR\\fR',
    '1, 2 or 3: colour at that level also into a pipe (summarize \\-\\-pretty | less \\-R); 0: none.',
    '.TP',
    '\\fBTERM\\fR',
    'dumb: no colour.',
    '.TP',
    '\\fBCI\\fR',
    'Set: no progress line unless \\-\\-progress.',
  );
  out.push('.SH "SEE ALSO"', '\\fBtickpipe help\\fR \\fICOMMAND\\fR');
  if (options.homepage !== undefined) out.push('.br', roffText(options.homepage));
  return `${out.join('\n')}\n`;
}
