// `npm run bench`: throughput of each tool as a ratio to a parse-only baseline measured in the same
// run (these machines are shared and noisy, so absolute figures move; ratios move much less).
//
// Every measurement is a separate process, file in and stdout to /dev/null, wall time including
// start-up. Baseline and tool runs are interleaved and each figure is the median of --runs runs.
// Peak memory comes from the measured process itself (bench/rss.cjs).
//
//   npm run bench                 all measurements (writes ~1.8 GB of scratch files under .bench/)
//   npm run bench -- --quick      skip the 5M-record memory check
//   npm run bench -- --runs 5     more runs per figure
//   npm run bench -- --only stats one or more sections: sanitize, fetch, orderbook, backtest, stats, connect,
//                                 resample, features, sanitize-100k-symbols, orderbook-100k-symbols, sweep,
//                                 strategy-pipe, store, sweep-pool; backtest-100k-symbols and
//                                 backtest-bracket-trades alone (backtest runs both)

import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { klineZip, serve } from './archive.js';
import { benchSweep, benchSweepPool } from './sweep.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(root, '.bench');
const cli = join(root, 'bin', 'run.js');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3;
const onlyIndex = args.indexOf('--only');
const ONLY = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : undefined;
const want = (section) => ONLY === undefined || ONLY.includes(section);
const N = 1_000_000;

mkdirSync(scratch, { recursive: true });

/** Runs a command with stdout to a file (or /dev/null); returns wall seconds, peak RSS (MiB) and CPU seconds (all threads). */
function measure(argv, { stdoutTo = '/dev/null' } = {}) {
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutTo, 'w');
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', join(root, 'bench', 'rss.cjs'), ...argv], {
      stdio: ['ignore', out, 'pipe', 'pipe'],
    });
    let stderr = '';
    let rss = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdio[3].on('data', (d) => {
      rss += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(out);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`));
      else {
        const [kib, cpuUs] = rss.trim().split(' ').map(Number);
        resolve({ seconds, rssMiB: kib / 1024, cpuSeconds: cpuUs / 1e6 });
      }
    });
  });
}

/** `fetch` of one monthly 1s kline zip of `rows` rows for `symbol` from the loopback archive. */
function fetchArgv(url, symbol) {
  return [
    cli,
    'fetch',
    '--exchange',
    'binance_spot',
    '--symbol',
    symbol,
    '--kind',
    'candles',
    '--interval',
    '1s',
    '--from',
    '2024-01-01',
    '--to',
    '2024-02-01',
    '--source',
    'archive',
    '--base-url',
    url,
    '--quiet',
  ];
}

async function benchFetch() {
  const files = new Map();
  const sums = new Map();
  const add = async (symbol, rows) => {
    const zip = join(scratch, `${symbol}-1s-2024-01-${rows}.zip`);
    const path = `/data/spot/monthly/klines/${symbol}/1s/${symbol}-1s-2024-01.zip`;
    sums.set(path, await klineZip(zip, rows, `${symbol}-1s-2024-01.csv`));
    files.set(path, zip);
  };
  await add('BTCUSDT', N);
  if (!quick) await add('ETHUSDT', 2.5 * N);
  const server = await serve(files, sums);
  try {
    const out = join(scratch, 'fetch-1m.ndjson');
    await measure(fetchArgv(server.url, 'BTCUSDT'), { stdoutTo: out });
    const base = [];
    const runs = [];
    let rss = 0;
    for (let i = 0; i < RUNS; i++) {
      base.push((await measure([join(root, 'bench', 'baseline.js'), out])).seconds);
      const f = await measure(fetchArgv(server.url, 'BTCUSDT'));
      runs.push(f.seconds);
      rss = Math.max(rss, f.rssMiB);
    }
    const baseRate = N / median(base);
    const rate = N / median(runs);
    console.log(`\nfetch: a ${fmt(N)}-row kline CSV zip from a loopback archive, NDJSON to /dev/null`);
    console.log(
      `${'parse-only baseline over the NDJSON fetch produced'.padEnd(54)}${fmt(baseRate).padStart(12)}${'1.00'.padStart(8)}`,
    );
    const ratio = rate / baseRate;
    console.log(
      `${'fetch (download, verify, unzip, parse, write)'.padEnd(54)}${fmt(rate).padStart(12)}${ratio.toFixed(2).padStart(8)}  >= 0.50${ratio >= 0.5 ? '  met' : '  MISSED'}`,
    );
    console.log(`fetch peak RSS, ${fmt(N)} rows: ${rss.toFixed(0)} MiB`);
    if (!quick) {
      const big = await measure(fetchArgv(server.url, 'ETHUSDT'));
      const growth = (big.rssMiB / rss - 1) * 100;
      console.log(
        `fetch peak RSS, ${fmt(2.5 * N)} rows: ${big.rssMiB.toFixed(0)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%; target: no growth with file size, within 20%${Math.abs(growth) <= 20 ? ': met' : ': MISSED'})`,
      );
    }
  } finally {
    server.close();
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const candles = join(scratch, 'candles-1m.ndjson');
  console.log(
    `tickpipe bench: node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );

  // generate: measured while it writes the input of the other measurements.
  const gen = [];
  for (let i = 0; i < RUNS; i++) {
    gen.push(
      (
        await measure([cli, 'generate', 'candles', '--count', String(N), '--seed', '42'], {
          stdoutTo: candles,
        })
      ).seconds,
    );
  }
  const bytes = statSync(candles).size;
  console.log(
    `input: ${fmt(N)} generated 1m candles, ${(bytes / 2 ** 20).toFixed(0)} MiB, runs per figure: ${RUNS} (median)\n`,
  );

  const baseline = [];
  const sanitize = [];
  let sanitizeRss = 0;
  for (let i = 0; i < RUNS; i++) {
    baseline.push((await measure([join(root, 'bench', 'baseline.js'), candles])).seconds);
    const s = await measure([cli, 'sanitize', candles, '--quiet']);
    sanitize.push(s.seconds);
    sanitizeRss = Math.max(sanitizeRss, s.rssMiB);
  }
  const readline = await measure([join(root, 'bench', 'baseline.js'), candles, 'readline']);
  const ndjson = await measure([join(root, 'bench', 'baseline.js'), candles, 'ndjson']);

  const base = N / median(baseline);
  const rows = [
    ['parse-only baseline (tickpipe splitter + JSON.parse)', base, '', ''],
    ['sanitize (file in, stdout to /dev/null)', N / median(sanitize), '>= 0.60', 0.6],
    ['generate candles (stdout to a file)', N / median(gen), '', ''],
    ['  reference: readline + JSON.parse', N / readline.seconds, '', ''],
    ['  reference: ndjson package', N / ndjson.seconds, '', ''],
  ];
  console.log(`${'measurement'.padEnd(54)}${'records/s'.padStart(12)}${'ratio'.padStart(8)}  target`);
  for (const [name, rate, target, min] of rows) {
    const ratio = rate / base;
    const verdict = min === '' ? '' : ratio >= min ? '  met' : '  MISSED';
    console.log(
      `${name.padEnd(54)}${fmt(rate).padStart(12)}${ratio.toFixed(2).padStart(8)}  ${target}${verdict}`,
    );
  }

  console.log(`\nsanitize peak RSS, ${fmt(N)} records: ${sanitizeRss.toFixed(0)} MiB`);
  if (!quick) {
    const big = join(scratch, 'candles-5m.ndjson');
    if (!existsSync(big) || statSync(big).size < bytes * 4) {
      await measure([cli, 'generate', 'candles', '--count', String(5 * N), '--seed', '42'], {
        stdoutTo: big,
      });
    }
    const s5 = await measure([cli, 'sanitize', big, '--quiet']);
    const growth = (s5.rssMiB / sanitizeRss - 1) * 100;
    console.log(
      `sanitize peak RSS, ${fmt(5 * N)} records: ${s5.rssMiB.toFixed(0)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%; target within 20%${Math.abs(growth) <= 20 ? ': met' : ': MISSED'})`,
    );
  }
}

async function benchOrderbook() {
  // 1,000,000 generated book records: a 3000-level snapshot a side, then deltas of 1 to 20 levels.
  const file = join(scratch, 'book-1m.ndjson');
  if (!existsSync(file) || statSync(file).size < 100 * 2 ** 20) {
    await measure(
      [cli, 'generate', 'book', '--count', String(N), '--depth', '3000', '--levels', '20', '--seed', '42'],
      {
        stdoutTo: file,
      },
    );
  }
  console.log(
    `\norderbook: ${fmt(N)} generated book records (3000 levels a side, 1-20 levels per delta), quotes to /dev/null`,
  );
  const rss = await versus(
    file,
    N,
    'orderbook (default: a quote per top change)',
    [cli, 'orderbook', file, '--quiet'],
    0.5,
  );
  console.log(`orderbook peak RSS: ${rss.toFixed(0)} MiB`);
}

/** The benchmarked backtest: sma-cross with fees, an equity record per candle. */
const backtestArgv = (file) => [
  cli,
  'backtest',
  file,
  '--strategy',
  'sma-cross',
  '--sizing',
  'fixed-amount:0.01',
  '--fees',
  'maker=2,taker=10',
  '--quiet',
];

async function benchBacktest() {
  // sma-cross over the 1,000,000 generated 1m candles main() wrote: an equity record per candle.
  const candles = join(scratch, 'candles-1m.ndjson');
  console.log(`\nbacktest: sma-cross over ${fmt(N)} generated 1m candles, every record to /dev/null`);
  const rss = await versus(
    candles,
    N,
    'backtest --strategy sma-cross (equity per candle)',
    backtestArgv(candles),
    0.5, // issue 16's target
  );
  console.log(`backtest peak RSS, ${fmt(N)} candles: ${rss.toFixed(0)} MiB`);
  if (!quick) {
    const big = join(scratch, 'candles-5m.ndjson');
    if (existsSync(big)) {
      const r5 = await measure(backtestArgv(big));
      const growth = (r5.rssMiB / rss - 1) * 100;
      console.log(
        `backtest peak RSS, ${fmt(5 * N)} candles: ${r5.rssMiB.toFixed(0)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%; must not grow with the input: ${Math.abs(growth) <= 20 ? 'met' : 'MISSED'})`,
      );
    }
  }
}

/** Writes `records` trades over `symbols` symbols (round robin, one record per millisecond) to `to`. */
async function writeTrades(to, symbols, records) {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(to);
  const t0 = Date.UTC(2024, 0, 1);
  let chunk = '';
  for (let k = 0; k < records; k++) {
    const i = k % symbols;
    const price = 100 + (i % 50) + ((k * 7919) % 200) / 100;
    chunk += `{"type":"trade","time":"${new Date(t0 + k).toISOString()}","exchange":"binance_spot","symbol":"S${i}USDT","id":${k + 1},"price":${price},"amount":1,"side":"${k % 2 ? 'buy' : 'sell'}"}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise((r) => out.once('finish', r));
}

/**
 * backtest-100k-symbols (#20 item 11): buy-and-hold over 100,000 symbols against the same number
 * of records on one symbol; the per-record time must stay within 3x (no scans over all the
 * instruments per record). Two diagnostic lines follow, with no target: both inputs with no
 * orders, and one symbol making the same trading as the 100,000 (100,000 round trips).
 */
async function benchBacktestScale() {
  const records = 300_000;
  const many = join(scratch, 'trades-100k-symbols.ndjson');
  const one = join(scratch, 'trades-1-symbol.ndjson');
  if (!existsSync(many)) await writeTrades(many, 100_000, records);
  if (!existsSync(one)) await writeTrades(one, 1, records);
  const argv = (file) => [
    cli,
    'backtest',
    file,
    '--strategy',
    'buy-and-hold',
    '--sizing',
    'fixed-notional:1',
    '--balance',
    'binance_spot:usdt=1000000000',
    '--quiet',
  ];
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push((await measure(argv(one))).seconds);
    const r = await measure(argv(many));
    b.push(r.seconds);
    if (i === 0)
      console.log(
        `\nbacktest-100k-symbols: buy-and-hold, ${fmt(records)} trades; peak RSS ${r.rssMiB.toFixed(0)} MiB`,
      );
  }
  const ratio = median(b) / median(a);
  console.log(
    `${'1 symbol'.padEnd(54)}${fmt(records / median(a)).padStart(12)}\n${'100,000 symbols'.padEnd(54)}${fmt(records / median(b)).padStart(12)}  time ${ratio.toFixed(2)}x of 1 symbol, <= 3  ${ratio <= 3 ? 'met' : 'MISSED'}`,
  );
  // Not the target: the same inputs under a strategy that places no orders, so the 100,000-symbol
  // run does the per-record work only (finding or creating each record's instrument, marking it)
  // and none of the 100,000 orders, 200,000 fills and 1.3 million output lines buy-and-hold makes.
  // It tells the lookup's scaling apart from the cost of trading 100,000 instruments.
  const idle = join(scratch, 'strategy-no-orders.js');
  writeFileSync(
    idle,
    "export const name = 'no-orders';\nexport function create() { return { onRecord() {} }; }\n",
  );
  const quiet = (file) => [
    cli,
    'backtest',
    file,
    '--strategy',
    idle,
    '--balance',
    'binance_spot:usdt=1000000000',
    '--quiet',
  ];
  const c = [];
  const d = [];
  for (let i = 0; i < RUNS; i++) {
    c.push((await measure(quiet(one))).seconds);
    d.push((await measure(quiet(many))).seconds);
  }
  console.log(
    `${'100,000 symbols, no orders (diagnostic, no target)'.padEnd(54)}${fmt(records / median(d)).padStart(12)}  time ${(median(d) / median(c)).toFixed(2)}x of 1 symbol with no orders`,
  );
  // Not the target either: the same trading on one symbol. 100,000 round trips one after the
  // other (buy, its fill, close, its fill) make the orders, fills, positions and about the lines
  // that one round trip on each of 100,000 symbols makes; what differs is the number of instruments.
  const trips = join(scratch, 'strategy-round-trips.js');
  writeFileSync(
    trips,
    `export const name = 'round-trips';
export function create() {
  let trips = 0;
  return {
    onRecord(r, ctx) {
      if (trips >= 100000 || ctx.openOrders().length > 0) return undefined;
      if (ctx.position().amount === 0) return { side: 'buy' };
      trips++;
      return { close: true };
    },
  };
}
`,
  );
  const e = [];
  const f = [];
  for (let i = 0; i < RUNS; i++) {
    e.push((await measure([...argv(one).slice(0, 3), '--strategy', trips, ...argv(one).slice(5)])).seconds);
    f.push((await measure(argv(many))).seconds);
  }
  console.log(
    `${'1 symbol, 100,000 round trips (diagnostic, no target)'.padEnd(54)}${fmt(records / median(e)).padStart(12)}  100,000 symbols' time ${(median(f) / median(e)).toFixed(2)}x of it (the same trading)`,
  );
}

/** backtest-bracket-trades: examples/bracket.js on 1,000,000 generated trades. */
async function benchBracketTrades() {
  const trades = join(scratch, 'trades-1m.ndjson');
  if (!existsSync(trades))
    await measure([cli, 'generate', 'trades', '--count', String(N), '--seed', '42', '--rate', '5'], {
      stdoutTo: trades,
    });
  console.log(`\nbacktest-bracket-trades: examples/bracket.js over ${fmt(N)} generated trades`);
  await versus(
    trades,
    N,
    'backtest --strategy ./examples/bracket.js (trades)',
    [
      cli,
      'backtest',
      trades,
      '--strategy',
      join(root, 'examples', 'bracket.js'),
      '--param',
      'stop_bps=5',
      '--param',
      'target_bps=8',
      '--sizing',
      'fixed-amount:0.01',
      '--quiet',
    ],
    0.3,
  );
}

/** Copies the lines of `from` whose type is `type` to `to`; returns the lines of each. */
async function extract(from, to, type) {
  const { createReadStream, createWriteStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const out = createWriteStream(to);
  const tag = `"type":"${type}"`;
  let all = 0;
  let kept = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    all++;
    if (!line.includes(tag)) continue;
    kept++;
    if (!out.write(`${line}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return { all, kept };
}

/**
 * Runs `argv` and the baseline on `file` RUNS times, in adjacent pairs (alternating which goes first),
 * and prints the median rates and the median of the pairs' ratios: on a shared machine whose speed
 * drifts from minute to minute, each pair sees the same conditions, where medians taken apart do not.
 */
async function versus(file, records, label, argv, target, variant) {
  const base = [];
  const runs = [];
  const ratios = [];
  let rss = 0;
  const baseline = () =>
    measure([join(root, 'bench', 'baseline.js'), file, ...(variant === undefined ? [] : [variant])]);
  for (let i = 0; i < RUNS; i++) {
    let b;
    let r;
    if (i % 2 === 0) {
      b = await baseline();
      r = await measure(argv);
    } else {
      r = await measure(argv);
      b = await baseline();
    }
    base.push(b.seconds);
    runs.push(r.seconds);
    ratios.push(b.seconds / r.seconds);
    rss = Math.max(rss, r.rssMiB);
  }
  const ratio = median(ratios);
  console.log(
    `${'parse-only baseline on the same file'.padEnd(54)}${fmt(records / median(base)).padStart(12)}${'1.00'.padStart(8)}`,
  );
  console.log(
    `${label.padEnd(54)}${fmt(records / median(runs)).padStart(12)}${ratio.toFixed(2).padStart(8)}  >= ${target.toFixed(2)}${ratio >= target ? '  met' : '  MISSED'}  (pairs: ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
  );
  return rss;
}

async function benchStats() {
  // summarize over the output of the 1,000,000-candle sma-cross backtest (an equity record per candle
  // plus orders, fills, positions and balances); drawdown --field equity over its 1,000,000 equity records.
  const runOut = join(scratch, 'backtest-1m.ndjson');
  const equity = join(scratch, 'equity-1m.ndjson');
  await measure(backtestArgv(join(scratch, 'candles-1m.ndjson')), { stdoutTo: runOut });
  const { all, kept } = await extract(runOut, equity, 'equity');
  console.log(
    `\nsummarize: the 1,000,000-candle backtest's output, ${fmt(all)} records; summary to /dev/null`,
  );
  const sumRss = await versus(runOut, all, 'summarize', [cli, 'summarize', runOut], 0.6);
  console.log(`\ndrawdown: ${fmt(kept)} equity records from that output; periods to /dev/null`);
  const ddRss = await versus(
    equity,
    kept,
    'drawdown --field equity',
    [cli, 'drawdown', '--field', 'equity', equity],
    0.6,
  );
  console.log(
    `summarize peak RSS, ${fmt(all)} records: ${sumRss.toFixed(0)} MiB; drawdown, ${fmt(kept)}: ${ddRss.toFixed(0)} MiB`,
  );
  if (!quick) {
    const big = join(scratch, 'candles-5m.ndjson');
    if (existsSync(big)) {
      const runOut5 = join(scratch, 'backtest-5m.ndjson');
      const equity5 = join(scratch, 'equity-5m.ndjson');
      await measure(backtestArgv(big), { stdoutTo: runOut5 });
      const five = await extract(runOut5, equity5, 'equity');
      const s5 = await measure([cli, 'summarize', runOut5]);
      const d5 = await measure([cli, 'drawdown', '--field', 'equity', equity5]);
      const growth = (a, b) => (a / b - 1) * 100;
      const line = (name, n, rss, base) => {
        const g = growth(rss, base);
        return `${name} peak RSS, ${fmt(n)} records: ${rss.toFixed(0)} MiB (${g >= 0 ? '+' : ''}${g.toFixed(0)}%; must not grow with the input: ${Math.abs(g) <= 20 ? 'met' : 'MISSED'})`;
      };
      console.log(line('summarize', five.all, s5.rssMiB, sumRss));
      console.log(line('drawdown', five.kept, d5.rssMiB, ddRss));
    }
  }
}

async function benchConnect() {
  // connect --replay of the shared Binance USD-M capture (hftbacktest layout, gzip): every frame through
  // the venue parser and the book synchroniser, records to /dev/null.
  const file = join(root, '..', 'shared', 'data', 'hftbacktest', 'usdm', 'btcusdt_20240808.gz');
  if (!existsSync(file)) {
    console.log(`\nconnect --replay: skipped, ${file} is absent`);
    return;
  }
  const { spawnSync } = await import('node:child_process');
  const frames = Number(
    spawnSync(process.execPath, [join(root, 'bench', 'baseline.js'), file, 'capture']).stdout,
  );
  console.log(`\nconnect --replay: the shared USD-M capture, ${fmt(frames)} frames; records to /dev/null`);
  await versus(
    file,
    frames,
    'connect --replay (frames/s)',
    [cli, 'connect', '--replay', file, '--quiet'],
    0.4,
    'capture',
  );
}

async function benchResample() {
  // The 1,000,000 generated 1m candles main() wrote, to hourly candles: one bar per 60 records.
  const candles = join(scratch, 'candles-1m.ndjson');
  console.log(`\nresample: ${fmt(N)} generated 1m candles to 1h, records to /dev/null`);
  await versus(
    candles,
    N,
    'resample --interval 1h',
    [cli, 'resample', candles, '--interval', '1h', '--quiet'],
    0.6,
  );
}

async function benchFeatures() {
  // The 1,000,000 generated 1m candles, with three indicators appended to every record.
  const candles = join(scratch, 'candles-1m.ndjson');
  console.log(
    `\nfeatures: ${fmt(N)} generated 1m candles, --add sma:20 --add rsi:14 --add macd:12,26,9, to /dev/null`,
  );
  await versus(
    candles,
    N,
    'features (sma, rsi, macd)',
    [cli, 'features', candles, '--add', 'sma:20', '--add', 'rsi:14', '--add', 'macd:12,26,9'],
    0.6,
  );
}

/**
 * Scale in series (issue #20 item 11): the same number of records over 1 symbol and over 100,000,
 * interleaved (every record of a round goes to another symbol), so a per-record cost that grows
 * with the series count shows as a ratio. Target: time per record at 100,000 symbols within 3x of
 * the 1-symbol run. Memory per series: (peak RSS at 100k - peak RSS at 1) / 100,000.
 */
const SERIES_RECORDS = 600_000;

/** `records` lines of `kind` (trade or book) spread round-robin over `symbols` symbols. */
function seriesFile(kind, symbols) {
  const file = join(scratch, `${kind}-${symbols}-symbols.ndjson`);
  if (existsSync(file)) return file;
  const fd = openSync(file, 'w');
  const t0 = Date.UTC(2024, 0, 1);
  const perSymbol = SERIES_RECORDS / symbols;
  let chunk = '';
  for (let i = 0; i < SERIES_RECORDS; i++) {
    const s = i % symbols;
    const k = Math.floor(i / symbols); // this symbol's k-th record
    const time = new Date(t0 + i).toISOString();
    const symbol = `S${String(s).padStart(6, '0')}USDT`;
    const p = 100 + ((k * 7 + s) % 13) / 100;
    if (kind === 'trade')
      chunk += `{"type":"trade","time":"${time}","exchange":"binance_spot","symbol":"${symbol}","id":${k + 1},"price":${p},"amount":0.5,"side":"${k % 2 ? 'sell' : 'buy'}"}\n`;
    else if (k === 0)
      chunk += `{"type":"book","time":"${time}","exchange":"binance_spot","symbol":"${symbol}","snapshot":true,"bids":[[${p},1],[99,2],[98,3]],"asks":[[${p + 1},1],[102,2],[103,3]],"sequence":0}\n`;
    else
      chunk += `{"type":"book","time":"${time}","exchange":"binance_spot","symbol":"${symbol}","snapshot":false,"bids":[[${p},${(k % 5) + 1}]],"asks":[[${p + 1},${(k % 3) + 1}]],"sequence":${k},"first_sequence":${k}}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  if (!Number.isInteger(perSymbol)) throw new Error('records must divide evenly over the symbols');
  return file;
}

async function benchSeries(name, kind, argv) {
  const one = seriesFile(kind, 1);
  const many = seriesFile(kind, 100_000);
  console.log(
    `\n${name}: ${fmt(SERIES_RECORDS)} ${kind} records over 1 symbol, then over 100,000 (interleaved)`,
  );
  const t1 = [];
  const tN = [];
  let r1 = 0;
  let rN = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = await measure([...argv(one)]);
    const b = await measure([...argv(many)]);
    t1.push(a.seconds);
    tN.push(b.seconds);
    r1 = Math.max(r1, a.rssMiB);
    rN = Math.max(rN, b.rssMiB);
  }
  const per1 = (median(t1) / SERIES_RECORDS) * 1e9;
  const perN = (median(tN) / SERIES_RECORDS) * 1e9;
  const ratio = perN / per1;
  console.log(`${'1 symbol'.padEnd(54)}${`${per1.toFixed(0)} ns/record`.padStart(16)}  ${r1.toFixed(0)} MiB`);
  console.log(
    `${'100,000 symbols'.padEnd(54)}${`${perN.toFixed(0)} ns/record`.padStart(16)}  ${rN.toFixed(0)} MiB  ${ratio.toFixed(2)}x  <= 3x${ratio <= 3 ? '  met' : '  MISSED'}`,
  );
  console.log(`memory per series: ${(((rN - r1) * 2 ** 20) / 100_000).toFixed(0)} bytes`);
}

/**
 * `--strategy exec:`: the Python sma-cross (examples/strategies/sma_cross.py) over 200,000 generated
 * candles against the built-in sma-cross on the same file, interleaved; candles per second for both.
 */
async function benchStrategyPipe() {
  const count = 200_000;
  const file = join(scratch, 'candles-200k.ndjson');
  if (!existsSync(file))
    await measure([cli, 'generate', 'candles', '--count', String(count), '--seed', '42'], { stdoutTo: file });
  const python = `exec:python3 ${join(root, 'examples', 'strategies', 'sma_cross.py')}`;
  const argv = (strategy) => [
    cli,
    'backtest',
    file,
    '--strategy',
    strategy,
    '--sizing',
    'fixed-amount:0.01',
    '--quiet',
  ];
  console.log(
    `\nstrategy-pipe: sma-cross over ${fmt(count)} generated 1m candles, every record to /dev/null`,
  );
  const builtin = [];
  const piped = [];
  for (let i = 0; i < RUNS; i++) {
    builtin.push((await measure(argv('sma-cross'))).seconds);
    piped.push((await measure(argv(python))).seconds);
  }
  const b = count / median(builtin);
  const p = count / median(piped);
  console.log(`${'backtest --strategy sma-cross (built in)'.padEnd(54)}${fmt(b).padStart(12)} candles/s`);
  console.log(
    `${'backtest --strategy exec:python3 sma_cross.py'.padEnd(54)}${fmt(p).padStart(12)} candles/s  ${(p / b).toFixed(2)} of the built-in  >= 30,000/s${p >= 30_000 ? '  met' : '  MISSED'}`,
  );
}

/**
 * The columnar store (issue #21): the 1,000,000 generated candles written once with store write,
 * then in adjacent pairs (alternating which goes first, median of the pairs' ratios): (a) store
 * read of them to NDJSON against fetch FILE passing the NDJSON file through (read, parsed,
 * validated, written), (b) backtest --store against backtest FILE, same strategy (backtestArgv).
 */
async function benchStore() {
  const candles = join(scratch, 'candles-1m.ndjson');
  const store = join(scratch, 'store-1m');
  rmSync(store, { recursive: true, force: true });
  const written = await measure([cli, 'store', 'write', store, candles]);
  console.log(
    `\nstore: ${fmt(N)} generated 1m candles, written once by store write in ${written.seconds.toFixed(1)} s (${written.rssMiB.toFixed(0)} MiB peak); runs to /dev/null`,
  );
  const race = async (label, fast, slow, target) => {
    const ratios = [];
    const times = { fast: [], slow: [] };
    for (let i = 0; i < RUNS; i++) {
      const first = i % 2 === 0 ? fast : slow;
      const a = await measure(first);
      const b = await measure(first === fast ? slow : fast);
      const [f, s] = first === fast ? [a, b] : [b, a];
      times.fast.push(f.seconds);
      times.slow.push(s.seconds);
      ratios.push(s.seconds / f.seconds);
    }
    const ratio = median(ratios);
    const verdict =
      target === undefined ? '' : `  >= ${target.toFixed(2)}${ratio >= target ? '  met' : '  MISSED'}`;
    console.log(
      `${label.padEnd(54)}${`${median(times.fast).toFixed(2)} s vs ${median(times.slow).toFixed(2)} s`.padStart(20)}${`${ratio.toFixed(2)}x`.padStart(8)}${verdict}  (pairs: ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
    );
  };
  await race(
    'store read --kind candles vs fetch FILE (pass-through)',
    [cli, 'store', 'read', store, '--kind', 'candles'],
    [cli, 'fetch', candles, '--quiet'],
  );
  await race(
    'backtest --store vs backtest FILE (sma-cross)',
    backtestArgv(`--store=${store}`),
    backtestArgv(candles),
    1.5,
  );
}

/** The generated inputs main() writes, for runs of single sections. */
async function ensureInputs() {
  const candles = join(scratch, 'candles-1m.ndjson');
  if (!existsSync(candles))
    await measure([cli, 'generate', 'candles', '--count', String(N), '--seed', '42'], { stdoutTo: candles });
  const big = join(scratch, 'candles-5m.ndjson');
  if (!quick && !existsSync(big))
    await measure([cli, 'generate', 'candles', '--count', String(5 * N), '--seed', '42'], { stdoutTo: big });
}

if (want('sanitize')) await main();
else if (!(ONLY?.length === 1 && ONLY[0] === 'strategy-pipe')) await ensureInputs();
if (want('fetch')) await benchFetch();
if (want('orderbook')) await benchOrderbook();
// `backtest` is all three; each can be run alone by its name.
if (want('backtest')) await benchBacktest();
if (want('backtest') || want('backtest-100k-symbols')) await benchBacktestScale();
if (want('backtest') || want('backtest-bracket-trades')) await benchBracketTrades();
if (want('stats')) await benchStats();
if (want('connect')) await benchConnect();
if (want('resample')) await benchResample();
if (want('features')) await benchFeatures();
if (want('sanitize-100k-symbols'))
  await benchSeries('sanitize-100k-symbols', 'trade', (f) => [cli, 'sanitize', f, '--quiet']);
if (want('orderbook-100k-symbols'))
  await benchSeries('orderbook-100k-symbols', 'book', (f) => [cli, 'orderbook', f, '--quiet']);
if (want('strategy-pipe')) await benchStrategyPipe();
if (want('store')) await benchStore();
if (want('sweep')) await benchSweep({ measure, cli, candles: join(scratch, 'candles-1m.ndjson'), fmt });
if (want('sweep-pool')) await benchSweepPool({ candles: join(scratch, 'candles-1m.ndjson'), fmt });
