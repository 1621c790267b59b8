// `npm start`: the main job on an embedded default, offline.
// 1. `tickpipe fetch` from a local mirror of the Binance archive (a loopback server started here,
//    serving a generated daily kline zip with its .CHECKSUM), twice with --cache: the second run
//    downloads nothing and writes the same bytes.
// 2. Generates a week of 1-minute BTCUSDT candles, damages a copy the way real downloads get damaged
//    (a repeated line, two lines swapped, a missing stretch, a bad print), and runs the real
//    `tickpipe sanitize` over it, printing what it found.
// 3. Backtests an SMA(10)/SMA(30) crossover on the cleaned candles with `tickpipe backtest` (0.1%
//    taker fees, next-open fills), and prints its tear sheet with `tickpipe summarize --pretty` and
//    its deepest drawdowns with `tickpipe drawdown`.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { klineZip, serve } from '../bench/archive.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'run.js');

function tickpipe(args, input) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  return r;
}

/** Runs tickpipe without blocking this process (the archive mirror is served from it). */
function tickpipeAsync(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function fetchDemo() {
  const work = mkdtempSync(join(tmpdir(), 'tickpipe-demo-'));
  try {
    mkdirSync(join(work, 'mirror'));
    const path = '/data/spot/daily/klines/BTCUSDT/1s/BTCUSDT-1s-2024-01-01.zip';
    const zip = join(work, 'mirror', 'BTCUSDT-1s-2024-01-01.zip');
    const sha = await klineZip(zip, 86_400, 'BTCUSDT-1s-2024-01-01.csv');
    const server = await serve(new Map([[path, zip]]), new Map([[path, sha]]));
    try {
      const args = [
        'fetch',
        '--exchange',
        'binance_spot',
        '--symbol',
        'BTCUSDT',
        '--kind',
        'candles',
        '--interval',
        '1s',
        '--from',
        '2024-01-01',
        '--to',
        '2024-01-02',
        '--source',
        'archive',
        '--base-url',
        server.url,
        '--cache',
        join(work, 'cache'),
      ];
      console.log(
        `$ tickpipe ${args.join(' ').replace(server.url, 'http://127.0.0.1:PORT').replace(work, '$TMP')}`,
      );
      const first = await tickpipeAsync(args);
      process.stdout.write(first.stderr);
      if (first.status !== 0) process.exit(first.status ?? 1);
      const rows = first.stdout.trimEnd().split('\n');
      console.log(`  ${rows.length} candles; the first: ${rows[0].slice(0, 110)}...`);
      console.log('$ (the same command again)');
      const second = await tickpipeAsync(args);
      process.stdout.write(second.stderr);
      console.log(`  same bytes as the first run: ${second.stdout === first.stdout}\n`);
    } finally {
      server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await fetchDemo();

const count = 7 * 1440;
console.log(`$ tickpipe generate candles --count ${count} --from 2024-01-01 --seed 42`);
const generated = tickpipe([
  'generate',
  'candles',
  '--count',
  String(count),
  '--from',
  '2024-01-01',
  '--seed',
  '42',
]).stdout;
const lines = generated.trimEnd().split('\n');
const first = JSON.parse(lines[0]);
const last = JSON.parse(lines.at(-1));
console.log(
  `  ${lines.length} candles, ${first.open_time} .. ${last.time}, price ${first.open} -> ${last.close}\n`,
);

// The damage, each kind once or a few times, as a real archive or a flaky feed would have it.
const damaged = [...lines];
damaged.splice(2000, 0, damaged[1999]); // a line repeated
[damaged[3001], damaged[3002]] = [damaged[3002], damaged[3001]]; // two lines swapped
damaged.splice(5000, 7); // seven minutes missing
const bad = JSON.parse(damaged[8000]);
damaged[8000] = JSON.stringify({ ...bad, low: Math.round(bad.low * 0.5 * 100) / 100 }); // a bad print in the low
damaged[9000] = damaged[9000].replace(/"close":[0-9.]+/, '"close":"n/a"'); // a broken field
console.log(
  'injected: 1 repeated line, 2 swapped lines, 7 missing minutes, 1 bad low print, 1 broken field\n',
);

const args = ['sanitize', '--reorder-window', '10', '--fill-gaps', 'flat', '--spike', '15'];
console.log(`$ tickpipe ${args.join(' ')}`);
const result = tickpipe(args, `${damaged.join('\n')}\n`);
process.stdout.write(result.stderr);
const out = result.stdout.trimEnd().split('\n');
console.log(`\n${out.length} clean candles written; the first: ${out[0].slice(0, 120)}...`);

const btArgs = [
  'backtest',
  '--strategy',
  'sma-cross',
  '--param',
  'fast=10',
  '--param',
  'slow=30',
  '--sizing',
  'percent-equity:0.5',
  '--fees',
  'maker=2,taker=10',
];
console.log(`\n$ tickpipe sanitize ... | tickpipe ${btArgs.join(' ')}`);
const bt = tickpipe(btArgs, result.stdout);
process.stdout.write(bt.stderr);
if (bt.status !== 0) process.exit(bt.status ?? 1);
const sumArgs = ['summarize', '--pretty', '--period', '1h', '--interval', 'annual_365'];
console.log(`\n$ tickpipe backtest ... | tickpipe ${sumArgs.join(' ')}`);
const summary = tickpipe(sumArgs, bt.stdout);
process.stdout.write(summary.stdout);
process.stdout.write(summary.stderr);
if (summary.status !== 0) process.exit(summary.status ?? 1);

console.log('\n$ tickpipe backtest ... | tickpipe drawdown   (the three deepest periods, and the summary)');
const dd = tickpipe(['drawdown'], bt.stdout);
if (dd.status !== 0) {
  process.stdout.write(dd.stderr);
  process.exit(dd.status ?? 1);
}
const periods = dd.stdout
  .trimEnd()
  .split('\n')
  .map((l) => JSON.parse(l));
const deepest = periods
  .filter((p) => p.type === 'drawdown')
  .sort((a, b) => b.value - a.value)
  .slice(0, 3);
for (const p of deepest)
  console.log(
    `  ${(p.value * 100).toFixed(2).padStart(6)}%  ${p.time_start} -> ${p.time_end}${p.recovered ? '' : ' (not recovered)'}`,
  );
const ddSummary = periods.at(-1);
console.log(
  `  ${ddSummary.count} periods, max ${(ddSummary.max * 100).toFixed(2)}%, mean ${((ddSummary.mean ?? 0) * 100).toFixed(2)}%, now ${(ddSummary.current * 100).toFixed(2)}%`,
);
