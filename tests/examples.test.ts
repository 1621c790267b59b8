/**
 * Every example works: each command line in README.md and docs/*.md (indented code blocks starting
 * with `tickpipe`) and in every command's `--help` (the oclif examples, from oclif.manifest.json,
 * which the build writes from src/commands/*.ts) is run by bash, `tickpipe` on PATH, in a temporary
 * folder where the file names the examples use are real inputs (INPUTS: generated records, or the
 * shared real data). Each must exit 0 and write what it promises (PROMISES: at least one fill for a
 * backtest; records of the promised type otherwise).
 *
 * Examples that need a network are in NETWORK, skipped with the reason; examples of a feature
 * another branch is building are in PENDING (by command line) or use a command of PENDING_COMMANDS
 * (resample, report, sweep), skipped with the reason, for the lead to remove when it lands. A listed
 * example that no longer exists, or a pending command that exists, fails the test, so the lists stay
 * true. Examples that install into the user's shell configuration (shell completion) are in
 * INSTALLS, never run here (this test writes only inside its temporary folder; their scripts are
 * checked by tests/cli-completion.test.ts). `help` and `completion` promise text: non-empty stdout.
 */

import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { sharedDataDir } from './helpers/shared-data.js';

interface Example {
  /** Where it is written: `README.md:42`, `tickpipe backtest --help`. */
  readonly where: string;
  /** The command line, continuation lines joined. */
  readonly command: string;
}

/** Examples that need a network (a venue's archive, REST or live feed), by command line. */
const NETWORK: Record<string, string> = {
  'tickpipe fetch --exchange binance_spot --symbol BTCUSDT --kind candles --interval 1m --from 2024-01-01 --to 2024-02-01 --cache ~/.cache/tickpipe | tickpipe sanitize --strict':
    "downloads from Binance's archive",
  'tickpipe fetch --exchange binance_futures_usd --symbol BTCUSDT,ETHUSDT --kind agg_trades --from 2024-06-01':
    "downloads from Binance's archive and REST",
  'tickpipe fetch --exchange binance_spot --symbol BTCUSDT,ETHUSDT --kind instruments > instruments.ndjson':
    "reads Binance's exchangeInfo",
  'tickpipe fetch --exchange binance_spot --symbol BTCUSDT --kind instruments':
    "reads Binance's exchangeInfo",
  'tickpipe fetch --exchange binance_spot --symbol BTCUSDT --kind candles --interval 1m --from 2024-01-01 --to 2024-02-01 --cache ~/.cache/tickpipe > jan.ndjson':
    "downloads from Binance's archive",
  'tickpipe fetch --exchange binance_spot --symbol BTCUSDT --kind candles --interval 1m --from 2020-01-01 --to 2020-01-04 --cache ~/.cache/tickpipe':
    "downloads from Binance's archive",
  'tickpipe fetch --exchange bybit_perpetuals_usd --symbol BTCUSDT --kind trades --from 2024-01-01 --cache /data/cache --quiet > trades.ndjson':
    "downloads from Bybit's archive",
  'tickpipe connect -e binance_spot --symbol BTCUSDT,ETHUSDT --channels trades,quotes,book --record today.gz':
    "a live session with Binance's websocket",
  'tickpipe connect -e bybit_perpetuals_usd --symbol BTCUSDT --channels book --duration 10m | tickpipe orderbook':
    "a live session with Bybit's websocket",
  'tickpipe connect -e bybit_perpetuals_usd --symbol BTCUSDT --channels book | tickpipe orderbook':
    "a live session with Bybit's websocket",
  'tickpipe connect -e bybit_perpetuals_usd --symbol BTCUSDT --channels book --duration 10m | tickpipe orderbook | tickpipe backtest --strategy market-maker':
    "a live session with Bybit's websocket",
  'tickpipe connect -e binance_futures_usd --symbol BTCUSDT --channels book | tickpipe orderbook | tickpipe backtest --strategy market-maker     # paper trading':
    "a live session with Binance's websocket",
  'tickpipe connect --exchange binance_spot --symbol BTCUSDT --channels book | tickpipe orderbook | tickpipe backtest --strategy market-maker | tickpipe summarize --period 1h --interval daily --every 1d':
    "a live session with Binance's websocket",
  'tickpipe connect -e binance_futures_usd --symbol BTCUSDT,ETHUSDT --channels liquidations,trades --duration 1h > liquidations.ndjson':
    "a live session with Binance's websocket (tests/connect-liquidations.test.ts runs it on loopback)",
  'tickpipe fetch --exchange binance_futures_coin --symbol BTCUSD_PERP --kind liquidations --from 2024-06-01 --to 2024-06-08 --cache ~/.cache/tickpipe':
    "downloads from Binance's archive (tests/connect-liquidations-archive.test.ts runs it on loopback)",
  'tickpipe fetch --exchange binance_options --symbol BTCUSDT --kind option_summary --from 2023-07-10 --to 2023-07-11':
    "downloads from Binance's archive (tests/fetch-options.test.ts runs it on loopback)",
  'tickpipe fetch --exchange binance_options --symbol BTC-240628-60000-C --kind candles --interval 1h --from 2024-06-01 --to 2024-06-02':
    "reads Binance's options REST API (tests/fetch-options.test.ts runs it on loopback)",
  'tickpipe fetch --exchange binance_options --kind option_marks':
    "reads Binance's options REST API (tests/fetch-options.test.ts runs it on loopback)",
  'tickpipe connect -e bybit_perpetuals_inverse --symbol BTCUSD --channels liquidations':
    "a live session with Bybit's websocket (tests/connect-liquidations.test.ts runs it on loopback)",
};

/** Examples of features another branch is building, by command line: skipped, for the lead to remove. */
const PENDING: Record<string, string> = {
  'tickpipe connect --replay capture.gz | tickpipe orderbook | tickpipe backtest --strategy market-maker':
    'backtest refuses the replay -> orderbook records as older than its clock (stdin:3), the pipeline of helper "engine"',
  'tickpipe connect --replay capture.gz | tickpipe orderbook | tickpipe backtest --strategy market-maker --latency-ms 5 --balance binance_spot:usdt=10000 --balance binance_spot:btc=1':
    'backtest refuses the replay -> orderbook records as older than its clock (stdin:3), the pipeline of helper "engine"',
};

/**
 * Examples that install into the user's shell configuration (`> ~/.config/fish/...`,
 * `> "${fpath[1]}/_tickpipe"`, `source <(...)`), by command line: never run here, since this test
 * writes only inside its temporary folder. What they install is checked by
 * tests/cli-completion.test.ts instead (each script parses in its shell and completes).
 */
const INSTALLS: Record<string, string> = {
  'source <(tickpipe completion bash)': 'loads bash completion into the shell',
  'tickpipe completion zsh > "${fpath[1]}/_tickpipe"': "writes into zsh's $fpath",
  'tickpipe completion fish > ~/.config/fish/completions/tickpipe.fish': "writes into fish's configuration",
  'tickpipe completion zsh > "${fpath[1]}/_tickpipe"                   # zsh (or source <(...))':
    "writes into zsh's $fpath",
  'tickpipe completion fish > ~/.config/fish/completions/tickpipe.fish # fish':
    "writes into fish's configuration",
};

/** An example that writes outside its working folder or changes the shell: it must be in INSTALLS. */
function installs(command: string): boolean {
  const code = command.replace(/\s+#.*$/, '');
  return /^source\b|>\s*"?(~|\$|\/)/.test(code);
}

/** Commands that do not exist yet (other branches build them): any example using one is pending. */
const PENDING_COMMANDS: Record<string, string> = {};

function pendingReason(command: string): string | undefined {
  const missing = Object.keys(PENDING_COMMANDS).find((c) =>
    new RegExp(`(^|[|;(]\\s*)tickpipe ${c}\\b`).test(command),
  );
  return PENDING[command] ?? (missing === undefined ? undefined : PENDING_COMMANDS[missing]);
}

/** Real inputs in ../shared/data, by the file name the examples use. */
const SHARED: Record<string, string[]> = {
  'orcl-1995-2014.txt': ['backtrader', 'orcl-1995-2014.txt'],
  'BTCUSDT-1m-2020-01-01.zip': ['binance_datatool', 'BTCUSDT-1m-2020-01-01.zip'],
  'capture.gz': ['hftbacktest', 'spot', 'btcusdt_20240808.gz'],
  'btcusdt_20240808.gz': ['hftbacktest', 'spot', 'btcusdt_20240808.gz'],
  // What `connect --record today.gz` writes: a capture, as the hftbacktest collector's.
  'today.gz': ['hftbacktest', 'spot', 'btcusdt_20240808.gz'],
  'BINANCE.ws.1.0': ['cryptofeed', 'BINANCE.ws.1.0'],
  'BINANCE.http.0.0': ['cryptofeed', 'BINANCE.http.0.0'],
  'xrpusdt-ob500.data.zip': ['nautilus_trader', 'bybit', 'xrpusdt-ob500.data.zip'],
  'binance_spot_market_data_with_disconnect_events.json': [
    'barter-rs',
    'binance_spot_market_data_with_disconnect_events.json',
  ],
  'system_config.json': ['barter-rs', 'system_config.json'],
};

/** Generated inputs, by the file name the examples use: how each is made (in order: later ones may read earlier ones). */
const GENERATED: [name: string, command: string][] = [
  ['candles.ndjson', 'tickpipe generate candles --count 20000 --seed 3'],
  ['in.ndjson', 'cat candles.ndjson'],
  ['btc.ndjson', 'cat candles.ndjson'],
  ['raw.ndjson.gz', 'gzip -c candles.ndjson'],
  ['run.ndjson', 'tickpipe backtest candles.ndjson -q'],
  [
    'sweep.ndjson',
    'tickpipe sweep candles.ndjson --strategy sma-cross --sizing percent-equity:0.5 --grid fast=5,10 --grid slow=20,40 -j 1',
  ],
  ...[1, 2, 3].map((k): [string, string] => [
    `part${k}.ndjson`,
    `tickpipe sweep candles.ndjson --grid fast=5..50:5 --grid slow=60,120 --shard ${k}/3 -j 1`,
  ]),
  ['shards.ndjson', 'cat part1.ndjson part2.ndjson part3.ndjson'],
  // An interrupted sweep: its first three runs (what --resume takes up).
  [
    'partial.ndjson',
    'tickpipe sweep candles.ndjson --sizing percent-equity:0.5 --grid fast=5..50:5 --grid slow=60,120 -j 1 | head -3',
  ],
  ['pnl.ndjson', 'cat run.ndjson'],
  ['books.ndjson', 'tickpipe generate book --count 20000 --levels 20'],
  ['trades.ndjson', 'tickpipe generate trades --count 20000'],
  ['trades.ndjson.gz', 'gzip -c trades.ndjson'],
  // A store (a folder) of BTCUSDT and ETHUSDT candles, for store read and query.
  [
    'store.ndjson',
    'tickpipe generate candles --count 20000 --seed 4 --symbol ETHUSDT | tickpipe store write store && tickpipe store write store candles.ndjson',
  ],
  [
    'backtest.json',
    `printf '%s' '{"balances": [{"exchange": "binance_spot", "asset": "usdt", "total": 10000}], "execution": {"fees": {"maker_bps": 2, "taker_bps": 10}}, "strategy": {"name": "sma-cross", "params": {"fast": 10, "slow": 30}}}'`,
  ],
];
/** Generated from the shared data. */
const FROM_SHARED: [name: string, command: string][] = [
  ['orcl.ndjson', 'tickpipe fetch orcl-1995-2014.txt -q'],
  ['index-5m.ndjson', `tickpipe fetch ${'$SHARED'}/backtrader/2006-min-005.txt -q`],
];

// ---------------------------------------------------------------------------------------------
// Extraction

/** Command lines in indented code blocks of a Markdown file: `    tickpipe ...`, not usage synopses or sample output. */
function markdownExamples(file: string): Example[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {4}(tickpipe .*)$/.exec(lines[i]!);
    if (m === null) continue;
    let command = m[1]!;
    const at = i + 1;
    while (command.endsWith('\\') && i + 1 < lines.length)
      command = `${command.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
    // A usage synopsis (`[--count N]`, `candles|trades`) or a line of output (`tickpipe sanitize: ...`).
    if (/ \[|^tickpipe \w+:|^tickpipe \w+ \w+\|/.test(command)) continue;
    out.push({ where: `${file}:${at}`, command });
  }
  return out;
}

function helpExamples(): Example[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { examples?: (string | { command: string })[] }>;
  };
  const out: Example[] = [];
  for (const [id, c] of Object.entries(manifest.commands))
    (c.examples ?? []).forEach((e, i) => {
      const text = typeof e === 'string' ? e : e.command;
      out.push({
        where: `tickpipe ${id} --help, example ${i + 1}`,
        command: text.replaceAll('<%= config.bin %>', 'tickpipe').replaceAll('<%= command.id %>', id),
      });
    });
  return out;
}

const docs = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const ALL = [...markdownExamples('README.md'), ...docs.flatMap(markdownExamples), ...helpExamples()];

/**
 * fetch without a FILE, connect without --replay: a venue on the network. A local fetch names its
 * input first, as every example writes it (`fetch orcl-1995-2014.txt`, `fetch -` for stdin), or by
 * the deprecated `--file`; a fetch whose first word is a flag and that has no --file reaches a venue.
 */
function reachesVenue(command: string): boolean {
  return (
    /tickpipe fetch\b(?!\s+(?:-(?=\s|$)|[^\s-]))(?![^|]*--file)/.test(command) ||
    /tickpipe connect\b(?![^|]*--replay)/.test(command)
  );
}

// ---------------------------------------------------------------------------------------------
// Promises

const MARKET = ['candle', 'trade', 'quote', 'book', 'funding'];

/** The record types an example promises (at least one of them in its output), or 'text'. */
function promise(command: string): { types: string[] | 'text' | 'html'; output: string | undefined } {
  const code = command.replace(/\s+#.*$/, '');
  const redirect = /> *(\S+)\s*$/.exec(code)?.[1];
  const stages = code.split('|').map((s) => s.trim());
  const tickpipes = stages.filter((s) => s.startsWith('tickpipe '));
  // `source <(tickpipe completion bash)`: the tickpipe of a process substitution.
  const last = (tickpipes.at(-1) ?? /tickpipe [^)]*/.exec(code)?.[0] ?? '').split(/\s+/);
  const name = last[1]!;
  const has = (flag: string): boolean => last.includes(flag);
  const tail = /\|\s*tail -1\s*$/.test(code);
  let types: string[] | 'text' | 'html';
  switch (name) {
    case 'report': {
      // One HTML page, to -o FILE (or stdout).
      const at = last.findIndex((w) => w === '-o' || w === '--out');
      return { types: 'html', output: at < 0 ? redirect : last[at + 1] };
    }
    case 'help':
    case 'completion':
      // The usage text, a shell script.
      return { types: 'text', output: redirect };
    case 'generate':
      types = [{ candles: 'candle', trades: 'trade', quotes: 'quote', book: 'book' }[last[2]!] ?? 'candle'];
      break;
    case 'backtest':
      types = has('--summary') && tail ? ['summary'] : ['fill'];
      break;
    case 'summarize':
      types = has('--pretty') ? 'text' : has('--flat') ? ['summary_row'] : ['summary'];
      break;
    case 'sweep':
      types = ['sweep_run', 'sweep_summary', 'sweep_fold'];
      break;
    case 'drawdown':
      types = ['drawdown_summary'];
      break;
    case 'orderbook':
      types = has('--depth') ? ['book'] : ['quote'];
      break;
    case 'store':
      types = last[2] === 'write' ? ['store_partition'] : MARKET;
      break;
    case 'fetch':
      types = has('--store') ? ['store_partition'] : MARKET;
      break;
    case 'query':
      types = 'text';
      break;
    default:
      types = MARKET;
  }
  return { types, output: redirect };
}

/** Records (or rows of `--format csv|tsv`, by their `type` column) in an example's output. */
function typesIn(text: string, command: string): string[] {
  const format = /--format (csv|tsv)/.exec(command)?.[1];
  if (format !== undefined) {
    return text
      .trimEnd()
      .split('\n\n')
      .flatMap(
        (block) =>
          parse(`${block}\n`, { columns: true, delimiter: format === 'csv' ? ',' : '\t' }) as {
            type: string;
          }[],
      )
      .map((r) => r.type);
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { type: string }).type);
}

// ---------------------------------------------------------------------------------------------
// Running

let base = '';
const shared = sharedDataDir();

function bash(
  command: string,
  cwd: string,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      cwd,
      env: {
        ...process.env,
        PATH: `${join(base, 'bin')}:${process.env.PATH ?? ''}`,
        NO_COLOR: '1',
        SHARED: shared ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** A folder of its own for one example: copies of the generated inputs, links to the shared ones. */
function workdir(n: number): string {
  const dir = join(base, `example-${n}`);
  mkdirSync(dir);
  for (const f of readdirSync(join(base, 'inputs')))
    cpSync(join(base, 'inputs', f), join(dir, f), { recursive: true, dereference: false });
  if (shared !== undefined)
    for (const [name, parts] of Object.entries(SHARED)) symlinkSync(join(shared, ...parts), join(dir, name));
  symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
  return dir;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tickpipe-examples-'));
  mkdirSync(join(base, 'bin'));
  writeFileSync(join(base, 'bin', 'tickpipe'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(base, 'bin', 'tickpipe'), 0o755);
  const inputs = join(base, 'inputs');
  mkdirSync(inputs);
  if (shared !== undefined)
    for (const [name, parts] of Object.entries(SHARED))
      symlinkSync(join(shared, ...parts), join(inputs, name));
  const made = [...GENERATED, ...(shared === undefined ? [] : FROM_SHARED)];
  for (const [name, command] of made) {
    const r = await bash(`${command} > ${name}`, inputs);
    if (r.code !== 0) throw new Error(`making ${name} (${command}) failed: ${r.stderr}`);
  }
  // The links were for making inputs from the shared data; each example gets its own.
  for (const name of Object.keys(SHARED)) rmSync(join(inputs, name), { force: true });
}, 120_000);

afterAll(() => {
  if (base !== '') rmSync(base, { recursive: true, force: true });
});

describe('the examples lists are true', () => {
  it('finds the examples of the README, the docs and every command', () => {
    expect(ALL.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThan(20);
    expect(ALL.filter((e) => e.where.includes('--help')).length).toBeGreaterThan(30);
  });

  it('a pending command is one that does not exist (remove it from PENDING_COMMANDS when it lands)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: object;
    };
    for (const c of Object.keys(PENDING_COMMANDS)) expect(Object.keys(manifest.commands)).not.toContain(c);
    expect(pendingReason('tickpipe summarize run.ndjson --flat')).toBeUndefined();
  });

  it('every listed example exists', () => {
    const commands = new Set(ALL.map((e) => e.command));
    for (const c of [...Object.keys(NETWORK), ...Object.keys(PENDING), ...Object.keys(INSTALLS)])
      expect(commands, c).toContain(c);
  });

  it('every example that installs into the shell (writes outside its folder) is listed in INSTALLS', () => {
    const outside = ALL.filter((e) => installs(e.command));
    expect(outside.length).toBeGreaterThan(2);
    for (const e of outside) expect(Object.keys(INSTALLS), `${e.where}: ${e.command}`).toContain(e.command);
    expect(installs('tickpipe backtest candles.ndjson > run.ndjson')).toBe(false);
  });

  it('every example that reaches a venue is listed as needing the network', () => {
    const venue = ALL.filter((e) => reachesVenue(e.command));
    expect(venue.length).toBeGreaterThan(5);
    for (const e of venue) expect(Object.keys(NETWORK), `${e.where}: ${e.command}`).toContain(e.command);
  });

  it('no example writes to a name linked to the shared data (the write would go through the link)', () => {
    for (const e of ALL) expect(Object.keys(SHARED), e.command).not.toContain(promise(e.command).output);
  });
});

// One test per distinct command line, named by every place it is written.
const byCommand = new Map<string, string[]>();
for (const e of ALL) byCommand.set(e.command, [...(byCommand.get(e.command) ?? []), e.where]);

describe('every example works', () => {
  let n = 0;
  for (const [command, places] of byCommand) {
    const name = `${places.join(', ')}: ${command}`;
    const network = NETWORK[command];
    const pending = pendingReason(command);
    const needsShared =
      Object.keys(SHARED).some((f) => command.includes(f)) || /orcl\.ndjson|index-5m/.test(command);
    if (network !== undefined || reachesVenue(command)) {
      // Never run: an unlisted one fails the list test above instead of reaching the network.
      it.skip(`${name} (skipped: needs the network: ${network ?? 'not listed in NETWORK'})`, () => {});
      continue;
    }
    if (INSTALLS[command] !== undefined || installs(command)) {
      // Never run: an unlisted one fails the list test above instead of writing outside the temp folder.
      it.skip(`${name} (skipped: installs into the user's shell configuration: ${INSTALLS[command] ?? 'not listed in INSTALLS'}; checked by tests/cli-completion.test.ts instead)`, () => {});
      continue;
    }
    if (pending !== undefined) {
      it.skip(`${name} (pending: ${pending})`, () => {});
      continue;
    }
    if (needsShared && shared === undefined) {
      it.skip(`${name} (skipped: ../shared/data not found; set TICKPIPE_SHARED_DATA to its path)`, () => {});
      continue;
    }
    const i = n++;
    it(name, async () => {
      const dir = workdir(i);
      const r = await bash(command, dir);
      expect(r.code, r.stderr).toBe(0);
      const { types, output } = promise(command);
      let bytes = output === undefined ? r.stdout : readFileSync(join(dir, output));
      if (output?.endsWith('.gz') === true) bytes = gunzipSync(bytes);
      const text = bytes.toString('utf8');
      if (types === 'html') {
        expect(text.startsWith('<!doctype html>'), r.stderr).toBe(true);
        const png = /--png (\S+)/.exec(command)?.[1];
        if (png !== undefined)
          expect(readFileSync(join(dir, png)).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
        return;
      }
      if (types === 'text') {
        expect(text.trim().length, r.stderr).toBeGreaterThan(0);
        return;
      }
      const found = typesIn(text, command);
      expect(
        found.filter((t) => types.includes(t)).length,
        `expected ${types.join(' or ')} records; stderr: ${r.stderr}`,
      ).toBeGreaterThan(0);
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);
  }
});
