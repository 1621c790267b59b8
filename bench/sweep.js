// `npm run bench -- --only sweep`: 64 sma-cross runs over the bench's 1,000,000 generated candles,
// as one `tickpipe sweep` (-j 1 and -j 2) against the same runs done as a user does them today,
// `tickpipe backtest ... | tickpipe summarize` one after another, all in the same bench run. The
// user-way baseline is measured on `USER_RUNS` of the 64 (each run costs the same: one parse, one
// engine, one summarize) and scaled to 64; the figure says so. Peak memory is the measured
// process's (worker threads included), against the data (the -j 1 process: the data parsed once
// plus one engine) plus 100 MiB per worker added.

import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

const FAST = [5, 10, 15, 20, 25, 30, 35, 40];
const SLOW = [50, 60, 70, 80, 90, 100, 110, 120];
const BASE = ['--strategy', 'sma-cross', '--sizing', 'fixed-amount:0.01', '--fees', 'maker=2,taker=10'];
const USER_RUNS = Number(process.env.SWEEP_BENCH_USER_RUNS ?? 4);

function shell(cmd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

export async function benchSweep({ measure, cli, candles, fmt, count = 1_000_000 }) {
  const grid = ['--grid', `fast=${FAST.join(',')}`, '--grid', `slow=${SLOW.join(',')}`];
  const sweepArgv = (j) => [cli, 'sweep', candles, ...BASE, ...grid, '-j', String(j), '--quiet'];
  console.log(
    `\nsweep: 64 sma-cross runs (fast ${FAST.join(',')} x slow ${SLOW.join(',')}) over ${fmt(count)} generated 1m candles`,
  );
  console.log(
    `load average at the start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  const one = await measure(sweepArgv(1));
  const two = await measure(sweepArgv(2));
  const user = [];
  const node = process.execPath;
  for (let k = 0; k < USER_RUNS; k++) {
    const fast = FAST[(k * 3) % FAST.length];
    const slow = SLOW[(k * 5) % SLOW.length];
    user.push(
      await shell(
        `${node} ${cli} backtest ${candles} ${BASE.join(' ')} --param fast=${fast} --param slow=${slow} --quiet | ${node} ${cli} summarize > /dev/null`,
      ),
    );
  }
  const userPerRun = user.reduce((a, b) => a + b, 0) / user.length;
  const user64 = userPerRun * 64;
  const speedup = user64 / two.seconds;
  const scaling = one.seconds / two.seconds;
  console.log(
    `user way, backtest | summarize: ${userPerRun.toFixed(2)} s a run (mean of ${USER_RUNS} of the 64, scaled): ${user64.toFixed(0)} s for 64`,
  );
  console.log(
    `sweep -j 1: ${one.seconds.toFixed(1)} s (${(one.seconds / 64).toFixed(2)} s a run), peak RSS ${one.rssMiB.toFixed(0)} MiB`,
  );
  console.log(
    `sweep -j 2: ${two.seconds.toFixed(1)} s (${(two.seconds / 64).toFixed(2)} s a run), peak RSS ${two.rssMiB.toFixed(0)} MiB`,
  );
  console.log(
    `sweep -j 2 against the user way: ${speedup.toFixed(2)}x  >= 6x${speedup >= 6 ? '  met' : '  MISSED'}`,
  );
  console.log(`-j 1 to -j 2: ${scaling.toFixed(2)}x  >= 1.7x${scaling >= 1.7 ? '  met' : '  MISSED'}`);
  const limit = one.rssMiB + 2 * 100;
  console.log(
    `peak memory -j 2: ${two.rssMiB.toFixed(0)} MiB, limit the -j 1 process (${one.rssMiB.toFixed(0)} MiB: the data and one engine) + 100 MiB a worker = ${limit.toFixed(0)}${two.rssMiB <= limit ? '  met' : '  MISSED'}`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}
