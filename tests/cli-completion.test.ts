/**
 * Shell completion (bash, zsh, fish) and the man page, both generated from the manifest: each is
 * loaded into the real shell or formatter where it is installed (skipped, saying so, where not).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { roffText } from '../src/cli/man.js';
import { ROOT, runCli } from './helpers/cli.js';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'tickpipe-completion-'));

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  const file = join(dir, `tickpipe.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

function run(shell: string, args: string[]): string {
  const r = spawnSync(shell, args, { encoding: 'utf8', env: { ...process.env, HOME: dir } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('completion', () => {
  it('an unknown shell is a usage error naming the three', async () => {
    const r = await runCli(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tickpipe completion: error: Expected tcsh to be one of: bash, zsh, fish\nSee: tickpipe completion --help\n',
    );
  });

  it('bash: commands, flags, fixed flag values, strategy names, and nothing hidden', async () => {
    const file = await script('bash');
    const complete = (...words: string[]): string[] =>
      run('bash', [
        '-c',
        `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tickpipe; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ])
        .split('\n')
        .filter(Boolean);
    expect(complete('tickpipe', 'ba')).toEqual(['backtest']);
    expect(complete('tickpipe', 's')).toEqual(['sanitize', 'store', 'summarize', 'sweep']);
    // A topic's commands are two words: `store` completes to its commands, then their flags.
    expect(complete('tickpipe', 'store', '')).toEqual(['read', 'write']);
    expect(complete('tickpipe', 'store', 'read', '--ki')).toEqual(['--kind']);
    expect(complete('tickpipe', 'backtest', '--strat')).toEqual(['--strategy', '--strategy-timeout']);
    expect(complete('tickpipe', 'backtest', '--strategy', 'm')).toEqual([
      'mean-reversion',
      'momentum',
      'market-maker',
    ]);
    expect(complete('tickpipe', 'fetch', '--kind', 'c')).toEqual(['candles']);
    expect(complete('tickpipe', 'summarize', '--color', '')).toEqual(['auto', 'always', 'never']);
    expect(complete('tickpipe', 'connect', '--sym')).toEqual(['--symbol']);
    expect(complete('tickpipe', 'fetch', '--fi')).toEqual([]);
    expect(complete('tickpipe', 'help', 'dr')).toEqual(['drawdown']);
    expect(complete('tickpipe', 'completion', 'f')).toEqual(['fish']);
    expect(complete('tickpipe', 'sanitize', '--no-pro')).toEqual(['--no-progress']);
    // A flag that takes a free value (a file, a number): left to readline's file-name completion.
    expect(complete('tickpipe', 'backtest', '--config', 'x')).toEqual([]);
  });

  it.runIf(has('fish'))("fish: the same, through fish's own complete -C", async () => {
    const file = await script('fish');
    const complete = (line: string): string[] =>
      run('fish', ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!);
    expect(complete('tickpipe ba')).toEqual(['backtest']);
    expect(complete('tickpipe backtest --strat')).toEqual(['--strategy', '--strategy-timeout']);
    expect(complete('tickpipe backtest --strategy ')).toEqual([
      'buy-and-hold',
      'market-maker',
      'mean-reversion',
      'momentum',
      'pairs',
      'sma-cross',
    ]);
    expect(complete('tickpipe fetch --kind ')).toContain('agg_trades');
    expect(complete('tickpipe completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(complete('tickpipe connect --sym')).toEqual(['--symbol']);
    // A topic's commands are two words: the topic once, then its commands, then their flags.
    expect(complete('tickpipe st')).toEqual(['store']);
    expect(complete('tickpipe store ')).toEqual(['read', 'write']);
    expect(complete('tickpipe store read --ki')).toEqual(['--kind']);
    expect(complete('tickpipe store write --ki')).toEqual([]);
  });

  it.runIf(has('zsh'))(
    'zsh: the script parses, and gives _arguments the specs of the command typed',
    async () => {
      const file = await script('zsh');
      run('zsh', ['-n', file]);
      // compsys's functions replaced by ones that print what they are given.
      const stub = `compdef(){}; _describe(){ print -l -- "\${(@P)\${@[-1]}}" }; _arguments(){ print -l -- "$@" }; source ${file}`;
      const top = run('zsh', ['-f', '-c', `${stub}; words=(tickpipe ba); CURRENT=2; _tickpipe`]);
      expect(top.split('\n')).toContain(
        'drawdown:Drawdown periods of an equity curve, a balance or any numeric field',
      );
      // A topic is one word with its own description; its commands come after it.
      expect(top.split('\n').filter((l) => l.startsWith('store'))).toEqual([
        'store:A columnar store of market records: Parquet partitions with a manifes…',
      ]);
      const subs = run('zsh', ['-f', '-c', `${stub}; words=(tickpipe store ''); CURRENT=3; _tickpipe`]);
      expect(subs.split('\n').filter(Boolean)).toEqual([
        'read:Read records from a columnar store as NDJSON, in time order',
        'write:Write records to a columnar store: Parquet partitions with a manifest',
      ]);
      const readSpecs = run('zsh', [
        '-f',
        '-c',
        `${stub}; words=(tickpipe store read --ki); CURRENT=4; _tickpipe`,
      ]).split('\n');
      expect(readSpecs.some((s) => s.startsWith('(-k --kind)-k[') || s.startsWith('--kind['))).toBe(true);
      const specs = run('zsh', [
        '-f',
        '-c',
        `${stub}; words=(tickpipe backtest --st); CURRENT=3; _tickpipe`,
      ]).split('\n');
      expect(specs).toContain(
        '--strategy[A built-in strategy name, a module path (./my-strategy.js, or .ts), o…]:value:(sma-cross mean-reversion momentum pairs market-maker buy-and-hold)',
      );
      // The first sentence of the flag's description, cut to 70 characters with an ellipsis.
      expect(specs).toContain(
        '*--param[A strategy parameter KEY=VALUE (repeatable, or comma-separated: fast=…]:value:_files',
      );
      expect(specs).toContain(
        '(-q --quiet)-q[No run summary on stderr (records, orders, rejections, fills)]',
      );
      expect(specs).toContain('--no-quiet[not --quiet]');
      expect(specs).toContain('*:file:_files');
      expect(specs.filter((s) => /^-s\[/.test(s))).toEqual([]); // backtest -s is a hidden, deprecated alias
    },
  );
  it.skipIf(has('fish') && has('zsh'))(
    'fish or zsh not installed: their checks above were skipped',
    () => {},
  );
});

describe('man page', () => {
  it('man/tickpipe.1 (written by the build) has every command, its flags and examples, and formats without warnings', () => {
    const page = readFileSync(join(ROOT, 'man', 'tickpipe.1'), 'utf8');
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, { hidden?: boolean }> }>;
    };
    expect(page.startsWith('.TH TICKPIPE 1 ')).toBe(true);
    for (const [id, c] of Object.entries(manifest.commands)) {
      expect(page).toContain(`.SH "TICKPIPE ${id.toUpperCase()}"`);
      for (const [name, f] of Object.entries(c.flags))
        if (f.hidden !== true) expect(page).toContain(`\\fB\\-\\-${name.replaceAll('-', '\\-')}\\fR`);
    }
    expect(page).not.toContain('<%=');
    expect(page).not.toContain('\\-\\-file\\fR');
    const r = spawnSync('groff', ['-man', '-ww', '-Tutf8'], { input: page, encoding: 'utf8' });
    if (r.error === undefined) {
      expect(r.stderr).toBe('');
      expect(r.stdout.replace(/.\x08/g, '')).toMatch(/^EXIT STATUS$/m);
    }
  });
  it.each([
    ['a.b', 'a.b'],
    ['.starts with a dot', '\\&.starts with a dot'],
    ["'quote first", "\\&'quote first"],
    ['back\\slash --flag', 'back\\eslash \\-\\-flag'],
  ])('roff text of %j is %j', (text, roff) => {
    expect(roffText(text)).toBe(roff);
  });
});
