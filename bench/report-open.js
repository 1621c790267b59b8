// The 1,000,000-candle report: the size of the page and how long headless Chromium takes to open it
// and draw every chart (from navigation to the page's own "drawn" mark, body[data-ready]), as the
// median of --runs openings, each in a fresh page. Run after `npm run build`:
//
//   node bench/report-open.js              # writes scratch files under .bench/report/
//   node bench/report-open.js --runs 5
//
// The run is the bench's: `tickpipe generate candles --count 1000000 | tickpipe backtest --strategy
// sma-cross`, with --sizing percent-equity:0.5 so that it trades (the default sizing may refuse every
// order, and a run without fills makes a smaller page).

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(root, '.bench', 'report');
const cli = join(root, 'bin', 'run.js');
const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3;
mkdirSync(scratch, { recursive: true });

function run(argv, stdoutTo) {
  const out = stdoutTo === undefined ? 'ignore' : openSync(stdoutTo, 'w');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...argv], { stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') closeSync(out);
  if (r.status !== 0) throw new Error(`tickpipe ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr: String(r.stderr).trim() };
}

const candles = join(scratch, 'candles.ndjson');
const runFile = join(scratch, 'run.ndjson');
const html = join(scratch, 'report.html');
if (!existsSync(candles)) run(['generate', 'candles', '--count', '1000000'], candles);
if (!existsSync(runFile))
  run(['backtest', candles, '--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5', '--quiet'], runFile);
const made = run(['report', runFile, '--market', candles, '-o', html]);
const bytes = statSync(html).size;
console.log(`report: ${made.stderr.replace(/^tickpipe report: /, '')}`);
console.log(
  `report command: ${made.seconds.toFixed(2)} s wall (reading ${((statSync(candles).size + statSync(runFile).size) / 1e6).toFixed(0)} MB of records)`,
);
console.log(`page: ${(bytes / 1e6).toFixed(2)} MB (limit 15 MB)`);

const { browserUnavailable, launchBrowser } = await import(
  join(root, 'dist', 'core', 'report', 'browser.js')
);
const why = await browserUnavailable();
if (why !== undefined) {
  console.log(`open time: not measured (${why})`);
  process.exit(0);
}
const browser = await launchBrowser();
const times = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const started = process.hrtime.bigint();
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    const steps = await page.evaluate('window.__report.timings');
    console.log(
      `  opening ${i + 1}: ${Object.entries(steps)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')}`,
    );
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    await page.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `open and draw in headless Chromium: median ${median.toFixed(2)} s of ${RUNS} (${times.map((t) => t.toFixed(2)).join(', ')}; limit 3 s)`,
);
