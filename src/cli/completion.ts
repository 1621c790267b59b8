/**
 * Shell completion scripts for bash, zsh and fish, generated from the manifest (the commands,
 * flags, flag values and arguments `--help` shows), printed by `tickpipe completion SHELL`.
 * @oclif/plugin-autocomplete is not used: it has no fish, and its current major needs Node 22.
 *
 * What completes: command names after `tickpipe` (and after `tickpipe help`); a command's flags
 * (long, short, `--no-` forms); a flag's values when it has a fixed list (`--kind`, `--fill-model`)
 * or extra values given here (backtest `--strategy`: the built-in names); file names for other
 * flag values and for the FILE argument.
 */

import {
  type Manifest,
  type ManifestCommand,
  type ManifestFlag,
  visibleCommands,
  visibleFlags,
} from './manifest.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Values to offer for a flag beyond the manifest's fixed options: command id -> flag name -> values. */
export type ExtraValues = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

function firstSentence(text: string | undefined, max = 70): string {
  const one = (text ?? '').split('\n')[0]!.replace(/\s+/g, ' ').trim();
  const s = (/^(.*?)[.;](\s|$)/.exec(one)?.[1] ?? one).trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function values(c: ManifestCommand, f: ManifestFlag, extra: ExtraValues): readonly string[] | undefined {
  return f.options ?? extra[c.id]?.[f.name];
}

function argValues(c: ManifestCommand, manifest: Manifest): readonly string[] | undefined {
  if (c.id === 'help') return [...new Set(visibleCommands(manifest).map((x) => x.id.split(':')[0]!))];
  for (const a of Object.values(c.args)) if (a.options !== undefined) return a.options;
  return undefined;
}

/** A topic's commands (`store` -> `read`, `write`), from the command ids. */
function topicsOf(commands: readonly ManifestCommand[]): Map<string, ManifestCommand[]> {
  const topics = new Map<string, ManifestCommand[]>();
  for (const c of commands) {
    const [topic, sub] = c.id.split(':');
    if (sub !== undefined) topics.set(topic!, [...(topics.get(topic!) ?? []), c]);
  }
  return topics;
}

/** What the first word completes to: the commands, and each topic once with its description. */
function firstWords(manifest: Manifest, commands: readonly ManifestCommand[]): [string, string][] {
  const out = new Map<string, string>();
  for (const c of commands) {
    const [topic, sub] = c.id.split(':');
    if (sub === undefined) out.set(c.id, firstSentence(c.summary));
    else if (!out.has(topic!))
      out.set(topic!, firstSentence(manifest.topics?.[topic!]?.description ?? topic));
  }
  return [...out];
}

const sub = (c: ManifestCommand): string => c.id.slice(c.id.indexOf(':') + 1);

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

export function bashCompletion(manifest: Manifest, extra: ExtraValues = {}): string {
  const commands = visibleCommands(manifest);
  const words0 = firstWords(manifest, commands).map(([w]) => w);
  const topics = topicsOf(commands);
  const lines = [
    '# tickpipe completion for bash. Load it with: source <(tickpipe completion bash)',
    '_tickpipe() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  COMPREPLY=()',
    '  if [[ $COMP_CWORD -le 1 ]]; then',
    `    COMPREPLY=($(compgen -W ${q(words0.join(' '))} -- "$cur"))`,
    '    return',
    '  fi',
    // A topic's commands are two words (`store read`): the second completes, then names the command.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '  local cmd="${COMP_WORDS[1]}"',
    '  case "$cmd" in',
    ...[...topics].map(
      ([topic, subs]) =>
        `    ${topic}) if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W ${q(subs.map(sub).join(' '))} -- "$cur")); return; fi; cmd="${topic}:\${COMP_WORDS[2]}" ;;`,
    ),
    '  esac',
    '  case "$cmd" in',
  ];
  for (const c of commands) {
    const flags = visibleFlags(c);
    const words: string[] = [];
    const valueCases: string[] = [];
    const fileFlags: string[] = [];
    for (const f of flags) {
      const names = [`--${f.name}`, ...(f.char === undefined ? [] : [`-${f.char}`])];
      words.push(...names);
      if (f.allowNo === true) words.push(`--no-${f.name}`);
      if (f.type !== 'option') continue;
      const v = values(c, f, extra);
      if (v === undefined) fileFlags.push(...names);
      else
        valueCases.push(
          `        ${names.join('|')}) COMPREPLY=($(compgen -W ${q(v.join(' '))} -- "$cur")); return ;;`,
        );
    }
    const args = argValues(c, manifest);
    lines.push(`    ${c.id})`, '      case "$prev" in', ...valueCases);
    if (fileFlags.length > 0) lines.push(`        ${fileFlags.join('|')}) return ;;`);
    lines.push(
      '      esac',
      '      if [[ "$cur" == -* ]]; then',
      `        COMPREPLY=($(compgen -W ${q(words.join(' '))} -- "$cur"))`,
    );
    if (args !== undefined)
      lines.push('      else', `        COMPREPLY=($(compgen -W ${q(args.join(' '))} -- "$cur"))`);
    lines.push('      fi', '      ;;');
  }
  lines.push('  esac', '}', 'complete -o bashdefault -o default -F _tickpipe tickpipe', '');
  return lines.join('\n');
}

const zq = (s: string): string =>
  s.replaceAll("'", "'\\''").replaceAll('[', '(').replaceAll(']', ')').replaceAll(':', '\\:');

export function zshCompletion(manifest: Manifest, extra: ExtraValues = {}): string {
  const commands = visibleCommands(manifest);
  const topics = topicsOf(commands);
  const lines = [
    '#compdef tickpipe',
    '# tickpipe completion for zsh. Load it with: source <(tickpipe completion zsh)',
    '# or save it as _tickpipe in a directory of $fpath.',
    '_tickpipe() {',
    '  local -a commands',
    '  commands=(',
    ...firstWords(manifest, commands).map(([w, d]) => `    '${zq(w)}:${zq(d)}'`),
    '  )',
    '  if (( CURRENT == 2 )); then',
    "    _describe -t commands 'tickpipe command' commands",
    '    return',
    '  fi',
    '  local cmd=$words[2]',
    '  shift words',
    '  (( CURRENT-- ))',
    // A topic's commands are two words (`store read`): the second completes, then names the command.
    '  case $cmd in',
    ...[...topics].flatMap(([topic, subs]) => [
      `    ${topic})`,
      '      if (( CURRENT == 2 )); then',
      `        local -a subcommands=(${subs.map((c) => `'${zq(sub(c))}:${zq(firstSentence(c.summary))}'`).join(' ')})`,
      `        _describe -t commands '${topic} command' subcommands`,
      '        return',
      '      fi',
      `      cmd=${topic}:$words[2]`,
      '      shift words',
      '      (( CURRENT-- ))',
      '      ;;',
    ]),
    '  esac',
    '  case $cmd in',
  ];
  for (const c of commands) {
    const specs: string[] = [];
    for (const f of visibleFlags(c)) {
      const desc = `[${zq(firstSentence(f.description ?? f.summary))}]`;
      const v = values(c, f, extra);
      const action =
        f.type === 'option' ? (v === undefined ? ':value:_files' : `:value:(${v.map(zq).join(' ')})`) : '';
      const star = f.multiple === true ? '*' : '';
      if (f.char !== undefined && f.multiple !== true)
        specs.push(`'(-${f.char} --${f.name})'{-${f.char},--${f.name}}'${desc}${action}'`);
      else {
        specs.push(`'${star}--${f.name}${desc}${action}'`);
        if (f.char !== undefined) specs.push(`'${star}-${f.char}${desc}${action}'`);
      }
      if (f.allowNo === true) specs.push(`'--no-${f.name}[${zq(`not --${f.name}`)}]'`);
    }
    const args = argValues(c, manifest);
    if (args !== undefined) specs.push(`'1:value:(${args.map(zq).join(' ')})'`);
    else if (Object.keys(c.args).length > 0) specs.push("'*:file:_files'");
    lines.push(
      `    ${c.id})`,
      `      _arguments -s \\`,
      ...specs.map((s) => `        ${s} \\`),
      '        && return 0',
      '      ;;',
    );
  }
  lines.push(
    '  esac',
    '}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    'if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then',
    '  _tickpipe "$@"',
    'else',
    '  compdef _tickpipe tickpipe',
    'fi',
    '',
  );
  return lines.join('\n');
}

export function fishCompletion(manifest: Manifest, extra: ExtraValues = {}): string {
  const commands = visibleCommands(manifest);
  const words0 = firstWords(manifest, commands);
  const ids = words0.map(([w]) => w).join(' ');
  const lines = [
    '# tickpipe completion for fish. Load it with: tickpipe completion fish | source',
    '# or save it as ~/.config/fish/completions/tickpipe.fish.',
    'complete -c tickpipe -f',
    ...words0.map(
      ([w, d]) => `complete -c tickpipe -n 'not __fish_seen_subcommand_from ${ids}' -a ${w} -d ${q(d)}`,
    ),
  ];
  // A topic's commands are two words (`store read`): offered after the topic, until one is typed.
  for (const [topic, subs] of topicsOf(commands)) {
    const names = subs.map(sub).join(' ');
    for (const c of subs)
      lines.push(
        `complete -c tickpipe -n '__fish_seen_subcommand_from ${topic}; and not __fish_seen_subcommand_from ${names}' -a ${sub(c)} -d ${q(firstSentence(c.summary))}`,
      );
  }
  for (const c of commands) {
    const [topic, rest] = c.id.split(':');
    const when =
      rest === undefined
        ? `-n '__fish_seen_subcommand_from ${c.id}'`
        : `-n '__fish_seen_subcommand_from ${topic}; and __fish_seen_subcommand_from ${rest}'`;
    for (const f of visibleFlags(c)) {
      const v = values(c, f, extra);
      let spec = `complete -c tickpipe ${when}${f.char === undefined ? '' : ` -s ${f.char}`} -l ${f.name}`;
      if (f.type === 'option') spec += v === undefined ? ' -r -F' : ` -x -a ${q(v.join(' '))}`;
      lines.push(`${spec} -d ${q(firstSentence(f.description ?? f.summary))}`);
      if (f.allowNo === true)
        lines.push(`complete -c tickpipe ${when} -l no-${f.name} -d ${q(`not --${f.name}`)}`);
    }
    const args = argValues(c, manifest);
    if (args !== undefined) lines.push(`complete -c tickpipe ${when} -x -a ${q(args.join(' '))}`);
    else if (Object.keys(c.args).length > 0) lines.push(`complete -c tickpipe ${when} -F`);
  }
  lines.push('');
  return lines.join('\n');
}

export function completionScript(shell: Shell, manifest: Manifest, extra: ExtraValues = {}): string {
  if (shell === 'bash') return bashCompletion(manifest, extra);
  if (shell === 'zsh') return zshCompletion(manifest, extra);
  return fishCompletion(manifest, extra);
}
