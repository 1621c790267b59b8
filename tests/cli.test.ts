/**
 * The command-line surface: help (-h, `help [command]`), "did you mean" for commands, flags and
 * strategy names, and colour (NO_COLOR, FORCE_COLOR, TERM=dumb, --color) through src/cli/colour.ts.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourLevel, colourModeFromArgv } from '../src/cli/colour.js';
import { docsMentioned } from '../src/cli/help.js';
import { closest, editDistance } from '../src/cli/suggest.js';
import { BIN, ROOT, runCli } from './helpers/cli.js';

const ESC = '\x1b[';
/** Every environment variable that decides colour, unset, so each case says what it sets. */
const NEUTRAL = {
  NO_COLOR: undefined,
  FORCE_COLOR: undefined,
  TERM: 'xterm',
  COLORTERM: undefined,
  CI: undefined,
};

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `tickpipe ARGS` under a pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs. */
function underTty(args: string, env: Record<string, string | undefined>): string {
  return spawnSync('script', ['-qc', `${process.execPath} ${BIN} ${args}`, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, ...NEUTRAL, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).stdout;
}

describe('did you mean', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['backtets', 'backtest', 1],
    ['', 'abc', 3],
    ['abc', 'abc', 0],
    ['stratgy', 'strategy', 1],
  ])('edit distance %s -> %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
  it.each([
    ['backtets', ['backtest', 'connect', 'sanitize'], 'backtest'],
    ['smacross', ['sma-cross', 'momentum', 'pairs'], 'sma-cross'],
    ['SMA_Cross', ['sma-cross', 'momentum'], 'sma-cross'],
    ['stratgy', ['strategy', 'sizing', 'seed'], 'strategy'],
    ['sumarize', ['summarize', 'sanitize'], 'summarize'],
    ['zzzzzz', ['backtest', 'connect'], undefined],
    ['ab', ['xy', 'abcdef'], undefined],
  ])('%s among %j suggests %s', (given, known, expected) => {
    expect(closest(given, known)).toBe(expected);
  });

  it('an unknown command exits 2 with the closest command', async () => {
    const r = await runCli(['backtets']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tickpipe: error: "backtets" is not a tickpipe command. Did you mean "backtest"?\nSee: tickpipe --help\n',
    );
    expect(r.stdout).toBe('');
  });
  it('a mistyped topic or topic command exits 2 with the closest one', async () => {
    const topic = await runCli(['stor']);
    expect(topic.code).toBe(2);
    expect(topic.stderr).toBe(
      'tickpipe: error: "stor" is not a tickpipe command. Did you mean "store"?\nSee: tickpipe --help\n',
    );
    const sub = await runCli(['store', 'reed']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toBe(
      'tickpipe: error: "store reed" is not a tickpipe command. Did you mean "store read"?\nSee: tickpipe store --help\n',
    );
    const help = await runCli(['help', 'store', 'reed']);
    expect(help.code).toBe(2);
    expect(help.stderr).toBe(
      'tickpipe help: error: "store reed" is not a tickpipe command. Did you mean "store read"?\nSee: tickpipe store --help\n',
    );
    const page = await runCli(['store', '--help']);
    expect(page.code).toBe(0);
    expect(page.stdout.split('\n')[0]).toBe(
      'A columnar store of market records: Parquet partitions with a manifest (store write, store read; query asks it in SQL).',
    );
  });
  it('an unknown command far from every name exits 2 without a guess', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tickpipe: error: "frobnicate" is not a tickpipe command.\nSee: tickpipe --help\n');
  });
  it('a mistyped flag exits 2 with the closest flag of that command', async () => {
    const r = await runCli(['backtest', '--stratgy', 'sma-cross'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tickpipe backtest: error: Nonexistent flag: --stratgy. Did you mean "--strategy"?\nSee: tickpipe backtest --help\n',
    );
  });
  it('a mistyped strategy name exits 2 with the closest built-in', async () => {
    const r = await runCli(['backtest', '--strategy', 'smacross'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: unknown strategy "smacross"; built in: .*\. Did you mean "sma-cross"\?\n$/,
    );
  });
});

describe('help', () => {
  it('-h, --help, help and no arguments all print the command list', async () => {
    const outs = await Promise.all([['-h'], ['--help'], ['help'], []].map((a) => runCli(a)));
    for (const r of outs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^COMMANDS$/m);
      expect(r.stdout).toMatch(/^ {2}backtest +Run a strategy/m);
      expect(r.stdout).toMatch(/DOCUMENTATION\n {2}https:\/\/github\.com\/tickpipe\/tickpipe/);
    }
    expect(outs[1]!.stdout).toBe(outs[0]!.stdout);
    expect(outs[2]!.stdout).toBe(outs[0]!.stdout);
  });
  it('help backtest, backtest -h and backtest --help are the same page, with its docs as URLs', async () => {
    const [a, b, c] = await Promise.all(
      [
        ['help', 'backtest'],
        ['backtest', '-h'],
        ['backtest', '--help'],
      ].map((x) => runCli(x)),
    );
    expect(a!.code).toBe(0);
    expect(a!.stdout).toMatch(/^USAGE\n {2}\$ tickpipe backtest \[FILE\]/m);
    expect(a!.stdout).toMatch(/^EXAMPLES$/m);
    expect(a!.stdout).toContain(
      'docs/backtest.md: https://github.com/tickpipe/tickpipe/blob/main/docs/backtest.md',
    );
    expect(a!.stdout).toContain(
      'docs/strategies.md: https://github.com/tickpipe/tickpipe/blob/main/docs/strategies.md',
    );
    expect(b!.stdout).toBe(a!.stdout);
    expect(c!.stdout).toBe(a!.stdout);
  });
  it('help for an unknown command exits 2 with the closest command', async () => {
    const r = await runCli(['help', 'sumarize']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tickpipe help: error: "sumarize" is not a tickpipe command. Did you mean "summarize"?\nSee: tickpipe --help\n',
    );
  });
  it('help and completion never take their argument from a piped standard input', async () => {
    const list = await runCli(['help']);
    const piped = await runCli(['help'], 'sumarize\n');
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(list.stdout);
    const shell = await runCli(['completion'], 'bash\n');
    expect(shell.code).toBe(2);
    expect(shell.stdout).toBe('');
  });
  it('finds the docs pages a help text names', () => {
    expect(
      docsMentioned('see docs/fetch.md and docs/format.md, again docs/fetch.md; not docs/x.txt'),
    ).toEqual(['docs/fetch.md', 'docs/format.md']);
  });
});

describe('colour', () => {
  const env = (e: Record<string, string>) => ({ TERM: 'xterm-256color', ...e });
  it.each([
    ['a terminal', 'auto', true, {}, 2],
    ['a pipe', 'auto', false, {}, 0],
    ['NO_COLOR on a terminal', 'auto', true, { NO_COLOR: '1' }, 0],
    ['NO_COLOR empty is unset', 'auto', true, { NO_COLOR: '' }, 2],
    ['FORCE_COLOR into a pipe', 'auto', false, { FORCE_COLOR: '1' }, 1],
    ['FORCE_COLOR=3 into a pipe', 'auto', false, { FORCE_COLOR: '3' }, 3],
    ['FORCE_COLOR beats NO_COLOR', 'auto', false, { FORCE_COLOR: '1', NO_COLOR: '1' }, 1],
    ['FORCE_COLOR=0 on a terminal', 'auto', true, { FORCE_COLOR: '0' }, 0],
    ['TERM=dumb on a terminal', 'auto', true, { TERM: 'dumb' }, 0],
    ['COLORTERM=truecolor', 'auto', true, { COLORTERM: 'truecolor' }, 3],
    ['--color never beats FORCE_COLOR', 'never', true, { FORCE_COLOR: '3' }, 0],
    ['--color always into a pipe with NO_COLOR', 'always', false, { NO_COLOR: '1', TERM: 'dumb' }, 1],
    ['--color always at FORCE_COLOR level', 'always', false, { FORCE_COLOR: '2' }, 2],
  ] as const)('%s (--color %s)', (_name, mode, isTTY, e, level) => {
    expect(colourLevel({ mode, isTTY, env: env(e) })).toBe(level);
  });
  it.each([
    [['--color', 'never'], 'never'],
    [['--color=always'], 'always'],
    [['--colour', 'always'], 'always'],
    [['x', '--', '--color', 'never'], undefined],
    [['--color', 'bogus'], undefined],
    [[], undefined],
  ] as const)('%j gives mode %s', (argv, mode) => {
    expect(colourModeFromArgv(argv)).toBe(mode);
  });

  const pipeline = `${process.execPath} ${BIN} generate candles --count 3000 --seed 3 | ${process.execPath} ${BIN} backtest --strategy sma-cross --quiet`;
  const pretty = (extra: string, e: Record<string, string | undefined>) =>
    execFileSync(
      'bash',
      ['-c', `${pipeline} | ${process.execPath} ${BIN} summarize --pretty ${extra} | cat`],
      {
        cwd: ROOT,
        env: { ...process.env, ...NEUTRAL, ...e },
        encoding: 'utf8',
      },
    );
  it('summarize --pretty into a pipe: plain by default, coloured with FORCE_COLOR or --color always, plain with --color never', () => {
    const plain = pretty('', {});
    expect(plain).toMatch(/return/i);
    expect(plain).not.toContain(ESC);
    const forced = pretty('', { FORCE_COLOR: '1' });
    expect(forced).toContain(ESC);
    expect(forced.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
    expect(pretty('--color always', {})).toBe(forced);
    expect(pretty('--color never', { FORCE_COLOR: '1' })).toBe(plain);
  });
  it('errors are plain under NO_COLOR and coloured with FORCE_COLOR, through a pipe', async () => {
    const plain = await runCli(['sanitize', 'no/such/file'], undefined, { ...NEUTRAL, NO_COLOR: '1' });
    expect(plain.stderr).toBe('tickpipe sanitize: error: no/such/file: no such file\n');
    const forced = await runCli(['sanitize', 'no/such/file'], undefined, {
      ...NEUTRAL,
      NO_COLOR: undefined,
      FORCE_COLOR: '1',
    });
    expect(forced.stderr).toBe(`tickpipe sanitize: ${ESC}31merror:${ESC}39m no/such/file: no such file\n`);
    const never = await runCli(['sanitize', 'no/such/file', '--color', 'never'], undefined, {
      ...NEUTRAL,
      FORCE_COLOR: '1',
    });
    expect(never.stderr).toBe(plain.stderr);
    const unknown = await runCli(['backtets'], undefined, {
      ...NEUTRAL,
      NO_COLOR: undefined,
      FORCE_COLOR: '1',
    });
    expect(unknown.stderr).toContain(`${ESC}31merror:${ESC}39m`);
  });
  it.runIf(hasScript)(
    'on a terminal: errors coloured; NO_COLOR, TERM=dumb and --color never turn it off',
    () => {
      const tty = underTty('sanitize no/such/file', {});
      expect(tty).toContain(`${ESC}31merror:`);
      for (const [args, e] of [
        ['sanitize no/such/file', { NO_COLOR: '1' }],
        ['sanitize no/such/file', { TERM: 'dumb' }],
        ['sanitize no/such/file --color never', {}],
      ] as const) {
        const out = underTty(args, e);
        expect(out).toContain('error: no/such/file: no such file');
        expect(out).not.toContain(ESC);
      }
    },
  );
});

describe('one flag vocabulary', () => {
  const manifest = (): Record<
    string,
    { flags: Record<string, { char?: string; aliases?: string[]; charAliases?: string[]; hidden?: boolean }> }
  > => (JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: never }).commands;

  it('-s is --symbol in every command that has it; --config is only ever tickpipe configuration', () => {
    for (const [id, c] of Object.entries(manifest())) {
      for (const [name, f] of Object.entries(c.flags)) {
        if (f.char === 's') expect(`${id} --${name}`).toBe(`${id} --symbol`);
        // sweep takes backtest's flags as they are: its --config is backtest's configuration.
        if (name === 'config') expect(['backtest', 'sweep']).toContain(id);
      }
    }
    expect(manifest().connect!.flags.symbol!.char).toBe('s');
    expect(manifest().fetch!.flags.symbol!.char).toBe('s');
    expect(manifest().backtest!.flags.strategy!.charAliases).toEqual(['s']);
  });

  it('old spellings are hidden from help, still accepted, and each prints one deprecation warning', async () => {
    const flagsPart = (await runCli(['fetch', '--help'])).stdout.split('\nEXAMPLES\n')[0]!;
    expect(flagsPart).toMatch(/--barter-config/);
    expect(flagsPart).not.toMatch(/--file\b| --config\b/);
    expect((await runCli(['connect', '--help'])).stdout).not.toMatch(/--symbols|--rest-endpoint/);
    const equals = await runCli(['connect', '-e', 'binance_spot', '--symbols=BTCUSDT', '--duration', 'soon']);
    expect(equals.stderr).toMatch(
      /^tickpipe connect: warning: The "--symbols" flag has been deprecated\. Use "--symbol \| -s" instead\.\n[^\n]*error: --duration/,
    );
    const c = await runCli(['connect', '-e', 'binance_spot', '--symbols', 'BTCUSDT', '--duration', 'soon']);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(
      'tickpipe connect: warning: The "--symbols" flag has been deprecated. Use "--symbol | -s" instead.\n' +
        'tickpipe connect: error: --duration: expected a duration such as 30s or 10m, found "soon"\n',
    );
  });

  it('fetch FILE and the old fetch --file read the same; --file and --config warn, the new spellings do not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-cli-'));
    const a = join(dir, 'a.ndjson');
    const candles = (await runCli(['generate', 'candles', '--count', '5'])).stdout;
    writeFileSync(a, candles);
    const positional = await runCli(['fetch', a, a, '--quiet']);
    expect(positional.code).toBe(0);
    expect(positional.stderr).toBe('');
    expect(positional.stdout.split('\n').filter(Boolean)).toHaveLength(10);
    const old = await runCli(['fetch', '--file', a, '-f', a, '--quiet']);
    expect(old.stdout).toBe(positional.stdout);
    expect(old.stderr).toBe(
      'tickpipe fetch: warning: The "--file" flag has been deprecated. Give the files as arguments: tickpipe fetch FILE...\n',
    );
    const barter = await runCli(['fetch', a, '--config', join(dir, 'none.json'), '--quiet']);
    expect(barter.code).toBe(2);
    expect(barter.stderr).toMatch(
      /^tickpipe fetch: warning: The "--config" flag has been deprecated\. Use "--barter-config" instead\.\n/,
    );
    expect(barter.stderr).toMatch(/error: --barter-config .*none\.json: ENOENT/);
    const stdin = await runCli(['fetch', '-', '--quiet'], candles);
    expect(stdin.stdout).toBe(candles);
  });

  it('backtest -s still selects the strategy, with a deprecation warning; --strategy gives the same output without one', async () => {
    const candles = (await runCli(['generate', 'candles', '--count', '300', '--seed', '5'])).stdout;
    const long = await runCli(['backtest', '--strategy', 'sma-cross', '--quiet'], candles);
    const short = await runCli(['backtest', '-s', 'sma-cross', '--quiet'], candles);
    expect(long.code).toBe(0);
    expect(long.stderr).toBe('');
    expect(long.stdout.length).toBeGreaterThan(0);
    expect(short.stdout).toBe(long.stdout);
    expect(short.stderr).toBe(
      'tickpipe backtest: warning: The "-s" flag has been deprecated. Use "--strategy" instead.\n',
    );
  });
});
