/**
 * The contract every command passes (docs/cli.md): empty input gives no output and exit 0; a
 * malformed line gives a located error on stderr and exit 1; `| head -1` exits 0 with nothing on
 * stderr; the same input gives byte-identical output twice; unknown record types pass through
 * unchanged. Add each new command to COMMANDS below.
 */

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, parseLines, ROOT, runCli, runInProcess } from '../helpers/cli.js';

interface Contract {
  /** Arguments after the command name. */
  readonly args: string[];
  /** Reads records from stdin (generate does not). */
  readonly readsInput: boolean;
  /** Arguments that produce a lot of output (for the `| head -1` case). */
  readonly bigArgs: string[];
  /** Input for the commands that read one. */
  readonly sample: string;
  /** Arguments that make a command without input produce nothing. */
  readonly emptyArgs?: string[];
  /** A malformed flag value (commands without input), and what the message names. */
  readonly badArgs?: [string[], RegExp];
  /** Writes its own story rather than its input (backtest): unknown records are ignored, not passed on. */
  readonly ignoresUnknown?: boolean;
  /** A large input for `| head -1` (default: the sample repeated), for commands that need time order. */
  readonly bigSample?: string;
  /** Writes a document, not records (report's HTML): what its first line is. */
  readonly firstLine?: RegExp;
  /**
   * Stores what it reads (store write): a record it cannot place (the unknown record has no
   * exchange, symbol or time) is a located error, exit 1, instead of passing through.
   */
  readonly storesInput?: boolean;
}

const candles = (n: number): string =>
  `${Array.from({ length: n }, (_, i) => {
    const open = new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString();
    const time = new Date(Date.UTC(2024, 0, 1, 0, i + 1)).toISOString();
    return JSON.stringify({
      type: 'candle',
      time,
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: open,
      open: 100 + i,
      high: 102 + i,
      low: 99 + i,
      close: 101 + i,
      volume: 1,
    });
  }).join('\n')}\n`;
const SAMPLE_CANDLES = candles(30);
const equity = (n: number): string =>
  `${Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      type: 'equity',
      time: new Date(Date.UTC(2024, 0, 1, i)).toISOString(),
      asset: 'usdt',
      equity: 10_000 + 100 * Math.sin(i / 5),
      cash: 10_000,
      exposure: 0,
    }),
  ).join('\n')}\n`;
const SAMPLE_EQUITY = equity(30);

/** A store for the commands that read one (store read, query), made once. */
const STORE_ROOT = mkdtempSync(join(tmpdir(), 'tickpipe-contract-store-'));
const STORE = join(STORE_ROOT, 'store');
execFileSync(process.execPath, [BIN, 'store', 'write', STORE], { input: SAMPLE_CANDLES, cwd: ROOT });
afterAll(() => rmSync(STORE_ROOT, { recursive: true, force: true }));

const COMMANDS: Record<string, Contract> = {
  generate: {
    args: ['candles', '--count', '50'],
    readsInput: false,
    bigArgs: ['candles', '--count', '500000'],
    sample: '',
    emptyArgs: ['candles', '--count', '0'],
    badArgs: [['candles', '--count', 'many'], /count/],
  },
  sanitize: { args: ['--quiet'], readsInput: true, bigArgs: ['--quiet'], sample: SAMPLE_CANDLES },
  orderbook: { args: ['--quiet'], readsInput: true, bigArgs: ['--quiet'], sample: SAMPLE_CANDLES },
  connect: {
    args: ['--replay', 'fixtures/captures/binance-spot-mini.txt', '--quiet'],
    readsInput: false,
    bigArgs: ['--replay', 'fixtures/captures/binance-spot-mini.txt', '--quiet'],
    sample: '',
    emptyArgs: ['--replay', 'fixtures/captures/empty.txt', '--quiet'],
    badArgs: [['--replay', 'fixtures/captures/empty.txt', '--pace', 'warp'], /pace/],
  },
  backtest: {
    args: ['--strategy', 'buy-and-hold', '--quiet'],
    readsInput: true,
    bigArgs: ['--strategy', 'buy-and-hold', '--quiet'],
    sample: SAMPLE_CANDLES,
    ignoresUnknown: true,
    bigSample: candles(60_000),
  },
  summarize: {
    args: [],
    readsInput: true,
    bigArgs: [],
    sample: SAMPLE_EQUITY,
    ignoresUnknown: true,
    bigSample: equity(60_000),
  },
  drawdown: {
    args: [],
    readsInput: true,
    bigArgs: ['--series'],
    sample: SAMPLE_EQUITY,
    ignoresUnknown: true,
    bigSample: equity(60_000),
  },
  'store write': {
    args: ['write', join(STORE_ROOT, 'written')],
    readsInput: true,
    bigArgs: ['write', join(STORE_ROOT, 'written-big')],
    sample: SAMPLE_CANDLES,
    storesInput: true,
  },
  'store read': {
    args: ['read', STORE, '--kind', 'candles'],
    readsInput: false,
    bigArgs: ['read', STORE, '--kind', 'candles'],
    sample: '',
    emptyArgs: ['read', STORE, '--kind', 'candles', '--from', '2030-01-01'],
    badArgs: [['read', STORE, '--kind', 'candles', '--from', 'soon'], /--from: expected a UTC date/],
  },
  query: {
    args: [STORE, 'SELECT * FROM candles ORDER BY open_time'],
    readsInput: false,
    bigArgs: [STORE, 'SELECT * FROM candles, range(1000) ORDER BY open_time'],
    sample: '',
    emptyArgs: [STORE, 'SELECT * FROM candles WHERE false'],
    badArgs: [[STORE, 'SELECT FROM WHERE candles'], /SQL: Parser Error: syntax error/],
  },
  sweep: {
    args: [
      '--strategy',
      'sma-cross',
      '--param',
      'slow=5',
      '--grid',
      'fast=2,3',
      '--sizing',
      'percent-equity:0.5',
      '-j',
      '1',
    ],
    readsInput: true,
    bigArgs: [
      '--strategy',
      'sma-cross',
      '--param',
      'slow=5',
      '--grid',
      'fast=2..4:1',
      '--sizing',
      'percent-equity:0.5',
    ],
    sample: SAMPLE_CANDLES,
    ignoresUnknown: true,
    bigSample: candles(20_000),
  },
  // 1m to 1m: every candle is its own bucket, written as it is read, so "in place" is defined (with
  // coarser buckets an unknown record comes out when read, before the bucket around it closes).
  resample: {
    args: ['--interval', '1m', '--quiet'],
    readsInput: true,
    bigArgs: ['--interval', '5m', '--quiet'],
    sample: SAMPLE_CANDLES,
    bigSample: candles(60_000),
  },
  features: {
    args: ['--add', 'sma:3', '--add', 'macd:3,5,2'],
    readsInput: true,
    bigArgs: ['--add', 'sma:3'],
    sample: SAMPLE_CANDLES,
    bigSample: candles(60_000),
  },
  // report writes one HTML page, not records.
  report: {
    args: ['--quiet'],
    readsInput: true,
    bigArgs: ['--quiet'],
    sample: SAMPLE_EQUITY,
    ignoresUnknown: true,
    bigSample: equity(60_000),
    firstLine: /^<!doctype html>$/,
  },
  // fetch reads records from standard input with FILE - (NDJSON passes through, CSV is parsed).
  fetch: {
    args: ['-', '--quiet'],
    readsInput: true,
    bigArgs: ['-', '--quiet'],
    sample: SAMPLE_CANDLES,
  },
};

/** Commands about tickpipe itself rather than records: not held to the record contract above. */
const UTILITY_COMMANDS = ['completion', 'help'];

const UNKNOWN = '{"type":"my_research_note","text":"keep me","n":[1,2,{"deep":true}]}';

for (const [command, c] of Object.entries(COMMANDS)) {
  // A topic command (`store read`) is run as its first word; its args start with the second.
  const name = command.split(' ')[0]!;
  describe(`contract: ${command}`, () => {
    it('empty input: no output, exit 0', async () => {
      const r = await runInProcess([name, ...(c.emptyArgs ?? c.args)], '');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(0);
    });

    it.runIf(c.readsInput)('a malformed line: a located error on stderr, exit 1', async () => {
      const lines = c.sample.split('\n');
      lines.splice(3, 0, '{"type":"candle","open":');
      const r = await runInProcess([name, ...c.args], lines.join('\n'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/stdin:4: invalid JSON/);
    });

    it.runIf(!c.readsInput)('a malformed flag value: a usage error on stderr, exit 2', async () => {
      const [args, message] = c.badArgs!;
      const r = await runInProcess([name, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });

    it('the same input gives byte-identical output twice', async () => {
      const a = await runCli([name, ...c.args], c.readsInput ? c.sample : undefined);
      const b = await runCli([name, ...c.args], c.readsInput ? c.sample : undefined);
      expect(a.code).toBe(0);
      expect(a.stdout.length).toBeGreaterThan(0);
      expect(b.stdout).toBe(a.stdout);
    });

    it.runIf(c.readsInput && c.ignoresUnknown === true)(
      'unknown record types are ignored: the output is unchanged',
      async () => {
        const lines = c.sample.trimEnd().split('\n');
        const plain = await runInProcess([name, ...c.args], `${lines.join('\n')}\n`);
        lines.splice(2, 0, UNKNOWN);
        const r = await runInProcess([name, ...c.args], `${lines.join('\n')}\n`);
        expect(r.code).toBe(0);
        expect(plain.stdout.length).toBeGreaterThan(0);
        expect(r.stdout).toBe(plain.stdout);
      },
    );

    it.runIf(c.storesInput === true)(
      'a record it cannot place (no exchange, symbol or time): a located error, exit 1',
      async () => {
        const lines = c.sample.trimEnd().split('\n');
        lines.splice(2, 0, UNKNOWN);
        const r = await runInProcess([name, ...c.args], `${lines.join('\n')}\n`);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/stdin:3: cannot store a "my_research_note" record/);
      },
    );

    it.runIf(c.readsInput && c.ignoresUnknown !== true && c.storesInput !== true)(
      'unknown record types pass through unchanged and in place',
      async () => {
        const lines = c.sample.trimEnd().split('\n');
        lines.splice(2, 0, UNKNOWN);
        const r = await runInProcess([name, ...c.args], `${lines.join('\n')}\n`);
        expect(r.code).toBe(0);
        const out = r.stdout.trimEnd().split('\n');
        expect(out[2]).toBe(UNKNOWN);
      },
    );

    it('| head -1: exit 0, nothing on stderr', async () => {
      const { code, stderr, firstLine } = await headOne(
        [name, ...c.bigArgs],
        c.readsInput ? (c.bigSample ?? c.sample.repeat(2000)) : undefined,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      if (c.firstLine !== undefined) expect(firstLine).toMatch(c.firstLine);
      else expect(JSON.parse(firstLine)).toHaveProperty('type');
    });

    it.runIf(c.readsInput)('an interactive terminal as input: a hint and exit 2, not a hang', async () => {
      const r = await runInProcess([name, ...c.args], '', { stdinIsTTY: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no input: give a FILE argument or pipe records in/);
    });
  });
}

/** Spawns the command, reads one line of its output, then closes the pipe as `head -1` does. */
function headOne(
  argv: string[],
  stdin?: string,
): Promise<{ code: number | null; stderr: string; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let firstLine = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && firstLine === '') {
        firstLine = out.slice(0, nl);
        child.stdout.destroy();
      }
    });
    child.stdin.on('error', () => {});
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: err, firstLine }));
  });
}

describe('signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s: sanitize stops reading, flushes what it owes and its report, exits %d',
    async (signal, expected) => {
      const child = spawn(process.execPath, [BIN, 'sanitize', '--reorder-window', '100', '--no-quiet'], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      // Ready: its first output shows it has read the input (and installed its signal handlers,
      // which it does before reading). No fixed wait: a loaded machine may take any time to start.
      const ready = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          resolve();
        });
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d;
      });
      const closed = new Promise<number | null>((r) => child.on('close', r));
      // Input arrives and then stalls, as a live feed does: 130 records, of which the first 30 leave
      // the reorder buffer at once and the last 100 sit in it until the signal.
      child.stdin.write(candles(130));
      await ready;
      expect(out.split('\n').length - 1).toBeLessThan(130);
      child.kill(signal);
      const code = await closed;
      expect(code).toBe(expected);
      expect(parseLines(out)).toHaveLength(130);
      expect(err).toMatch(/130 records read from stdin, 130 written/);
    },
  );
});

describe('bad usage', () => {
  it('an unknown flag exits 2 and points at --help', async () => {
    const r = await runCli(['sanitize', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Nonexistent flag: --no-such-flag/);
    expect(r.stderr).toMatch(/tickpipe sanitize --help/);
  });
  it('a missing file exits 2 naming it', async () => {
    const r = await runInProcess(['sanitize', 'no/such/file.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tickpipe sanitize: error: no/such/file.ndjson: no such file\n');
  });
  it('--on-error skip keeps going but exits 1, and --allow-errors makes it 0', async () => {
    const input = `${SAMPLE_CANDLES}garbage\n`;
    const skipped = await runInProcess(['sanitize', '-q', '--on-error', 'skip'], input);
    expect(parseLines(skipped.stdout)).toHaveLength(30);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toMatch(/1 bad line skipped \(first: stdin:31: invalid JSON/);
    const allowed = await runInProcess(['sanitize', '-q', '--on-error', 'skip', '--allow-errors'], input);
    expect(allowed.code).toBe(0);
  });
  it('--progress draws a progress line on stderr, and output is unaffected', async () => {
    const plain = await runCli(['generate', 'candles', '--count', '400000']);
    const withProgress = await runCli(['generate', 'candles', '--count', '400000', '--progress']);
    expect(withProgress.code).toBe(0);
    expect(withProgress.stderr).toMatch(/\r\x1b\[Kgenerate: [\d,]+ records, [\d,]+\/s/);
    expect(withProgress.stdout).toBe(plain.stdout);
    expect(plain.stderr).toBe('');
  });

  it('oclif.manifest.json (written by the build) names every command file, and the CLI lists them all', async () => {
    // Topic commands live in a folder: src/commands/store/read.ts is `store:read` (`store read`).
    const files = readdirSync(join(ROOT, 'src', 'commands'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3).replaceAll('/', ':'))
      .sort();
    // Every command but the ones about tickpipe itself (help, completion) reads or writes records.
    expect(files.filter((f) => !UTILITY_COMMANDS.includes(f))).toEqual(
      Object.keys(COMMANDS)
        .map((c) => c.replace(' ', ':'))
        .sort(),
    );
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { relativePath: string[]; flags: Record<string, unknown> }>;
    };
    expect(Object.keys(manifest.commands).sort()).toEqual(files);
    for (const id of files)
      expect(manifest.commands[id]!.relativePath).toEqual(['dist', 'commands', ...`${id}.js`.split(':')]);
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const id of files) expect(top.stdout).toMatch(new RegExp(`^  ${id.split(':')[0]} `, 'm'));
  });

  it('every command has help with examples', async () => {
    for (const name of [...Object.keys(COMMANDS), ...UTILITY_COMMANDS]) {
      const r = await runCli([...name.split(' '), '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/EXAMPLES/);
    }
  });
});
