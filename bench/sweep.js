// `npm run bench -- --only sweep`: 64 sma-cross runs over the bench's 1,000,000 generated candles,
// as one `tickpipe sweep -j 2`, against the same runs done as a user does them today,
// `tickpipe backtest ... | tickpipe summarize` one after another, all in the same bench run.
//
// Bounded: five measured processes, about 100 runs' worth of work in all, never 64 runs done one at a
// time (which alone took longer than a bench session on a shared machine):
// - the user way on USER_RUNS of the 64 (each costs the same: one start, one parse, one engine, one
//   summarize), scaled to 64; the figure says so;
// - `sweep -j 2` over all 64 runs: the headline against the user way, its peak memory;
// - `sweep -j 1` and `sweep -j 2` over the same 16 of them (`--shard 1/4`, every fourth run): the
//   scaling figure, both with the parse, so that a fixed cost counts against -j 2 as it does in use;
// - the cost of a run at -j 2: (64-run time - 16-run time) / 48, the parse and start-up taken out.
// Peak memory is the measured process's (worker threads included), against the data (the -j 1
// process: the data parsed once plus one engine) plus 100 MiB per worker added.

import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

const FAST = [5, 10, 15, 20, 25, 30, 35, 40];
const SLOW = [50, 60, 70, 80, 90, 100, 110, 120];
const BASE = ['--strategy', 'sma-cross', '--sizing', 'fixed-amount:0.01', '--fees', 'maker=2,taker=10'];
const USER_RUNS = Number(process.env.SWEEP_BENCH_USER_RUNS ?? 4);
const SHARD = 4; // the scaling pair runs 64 / SHARD runs

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

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

export async function benchSweep({ measure, cli, candles, fmt, count = 1_000_000 }) {
  const grid = ['--grid', `fast=${FAST.join(',')}`, '--grid', `slow=${SLOW.join(',')}`];
  const sweepArgv = (j, shard) => [
    cli,
    'sweep',
    candles,
    ...BASE,
    ...grid,
    '-j',
    String(j),
    ...(shard ? ['--shard', `1/${SHARD}`] : []),
    '--quiet',
  ];
  const sub = 64 / SHARD;
  console.log(
    `\nsweep: 64 sma-cross runs (fast ${FAST.join(',')} x slow ${SLOW.join(',')}) over ${fmt(count)} generated 1m candles`,
  );
  console.log(`load average at the start: ${load()} on ${cpus().length} CPUs`);
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
  const one = await measure(sweepArgv(1, true));
  const twoSub = await measure(sweepArgv(2, true));
  const two = await measure(sweepArgv(2, false));
  const userPerRun = user.reduce((a, b) => a + b, 0) / user.length;
  const user64 = userPerRun * 64;
  const speedup = user64 / two.seconds;
  const scaling = one.seconds / twoSub.seconds;
  const perRun = (two.seconds - twoSub.seconds) / (64 - sub);
  console.log(
    `user way, backtest | summarize: ${userPerRun.toFixed(2)} s a run (mean of ${USER_RUNS} of the 64, scaled): ${user64.toFixed(0)} s for 64`,
  );
  console.log(
    `sweep -j 2, 64 runs: ${two.seconds.toFixed(1)} s (${(two.seconds / 64).toFixed(2)} s a run, parse included), peak RSS ${two.rssMiB.toFixed(0)} MiB`,
  );
  console.log(
    `sweep -j 1, ${sub} runs (--shard 1/${SHARD}): ${one.seconds.toFixed(1)} s, peak RSS ${one.rssMiB.toFixed(0)} MiB`,
  );
  console.log(`sweep -j 2, the same ${sub} runs: ${twoSub.seconds.toFixed(1)} s`);
  // CPU time (all threads): what the runs cost whatever share of the machine the process got. On a
  // machine other sessions keep busy, the scheduler's autogroups give a session one share however
  // many threads it runs, so wall-clock scaling there says nothing about an idle machine.
  console.log(
    `CPU time (all threads): -j 1 ${sub} runs ${one.cpuSeconds.toFixed(1)} s, -j 2 ${sub} runs ${twoSub.cpuSeconds.toFixed(1)} s, -j 2 64 runs ${two.cpuSeconds.toFixed(1)} s; a run at -j 2 ${((two.cpuSeconds - twoSub.cpuSeconds) / (64 - sub)).toFixed(2)} s of CPU; -j 2 / -j 1 CPU for the same ${sub} runs: ${(twoSub.cpuSeconds / one.cpuSeconds).toFixed(2)} (an idle 2-core machine gives at best ${(2 / (twoSub.cpuSeconds / one.cpuSeconds)).toFixed(2)}x)`,
  );
  console.log(
    `cost of a run at -j 2, parse and start-up taken out ((64-run - ${sub}-run) / ${64 - sub}): ${perRun.toFixed(2)} s`,
  );
  console.log(
    `sweep -j 2 against the user way: ${speedup.toFixed(2)}x  >= 6x${speedup >= 6 ? '  met' : '  MISSED'}`,
  );
  console.log(
    `-j 1 to -j 2 (${sub} runs each): ${scaling.toFixed(2)}x  >= 1.7x${scaling >= 1.7 ? '  met' : '  MISSED'}`,
  );
  const limit = one.rssMiB + 2 * 100;
  console.log(
    `peak memory -j 2: ${two.rssMiB.toFixed(0)} MiB, limit the -j 1 process (${one.rssMiB.toFixed(0)} MiB: the data and one engine) + 100 MiB a worker = ${limit.toFixed(0)}${two.rssMiB <= limit ? '  met' : '  MISSED'}`,
  );
  console.log(`load average at the end: ${load()}`);
}

/**
 * `npm run bench -- --only sweep-pool`: the sweep's pool (piscina, src/core/sweep/pool.ts) against the
 * hand-written worker_threads pool it had before (bench/sweep-pool-thread.js): the same jobs over
 * the same shared columns (sent once per worker as workerData), the same young generation, 2
 * threads, alternated; medians of `rounds`. In this process, over the first `count` candles.
 */
export async function benchSweepPool({ candles, fmt, count = 200_000, jobs = 16, rounds = 3 }) {
  const { readFileSync } = await import('node:fs');
  const dist = new URL('../dist/core/', import.meta.url);
  const { prepareData } = await import(new URL('engine/data.js', dist));
  const { toColumns } = await import(new URL('sweep/columns.js', dist));
  const { workerPool, YOUNG_GENERATION_MB } = await import(new URL('sweep/pool.js', dist));
  const { DEFAULT_CONFIG } = await import(new URL('backtest/config.js', dist));
  const { applyConfig } = await import(new URL('sweep/space.js', dist));
  const { ANNUAL_365, DAILY } = await import(new URL('stats/interval.js', dist));
  const text = readFileSync(candles, 'utf8');
  const records = [];
  for (let at = 0; records.length < count; ) {
    const end = text.indexOf('\n', at);
    if (end < 0) break;
    records.push(JSON.parse(text.slice(at, end)));
    at = end + 1;
  }
  const data = prepareData(records);
  const config = structuredClone(DEFAULT_CONFIG);
  applyConfig(config, 'sizing', 'fixed-amount:0.01', '--sizing');
  const ctx = {
    strategy: 'sma-cross',
    params: {},
    config,
    source: 'bench',
    summary: { interval: ANNUAL_365, period: DAILY, riskFree: 0, minPeriods: 3 },
  };
  const list = Array.from({ length: jobs }, (_, i) => ({
    run: i + 1,
    params: [
      ['fast', FAST[i % FAST.length]],
      ['slow', SLOW[Math.floor(i / FAST.length) % SLOW.length]],
    ],
  }));
  // The worker_threads pool the sweep had before piscina: one job per worker at a time, by message.
  const own = async () => {
    const { Worker } = await import('node:worker_threads');
    const started = performance.now();
    const columns = toColumns(data);
    const workers = [0, 1].map(
      () =>
        new Worker(new URL('./sweep-pool-thread.js', import.meta.url), {
          workerData: { columns, ctx },
          resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
        }),
    );
    const out = [];
    await new Promise((resolve) => {
      let next = 0;
      const feed = (w) => {
        if (next < list.length) w.postMessage(list[next++]);
        else if (out.length === list.length) resolve();
      };
      for (const w of workers) {
        w.on('message', (r) => {
          out.push(r);
          feed(w);
        });
        feed(w);
      }
    });
    await Promise.all(workers.map((w) => w.terminate()));
    return { seconds: (performance.now() - started) / 1000, out };
  };
  // The sweep's pool as it is (src/core/sweep/pool.ts): piscina.
  const piscina = async () => {
    const started = performance.now();
    const pool = workerPool(toColumns(data), ctx, 2);
    const out = [];
    await pool.run(
      list,
      (r) => out.push(r),
      () => false,
    );
    await pool.close();
    return { seconds: (performance.now() - started) / 1000, out };
  };
  console.log(
    `\nsweep-pool: ${jobs} sma-cross runs over ${fmt(records.length)} candles on 2 threads, hand-written pool against piscina, alternated, ${rounds} rounds`,
  );
  console.log(`load average at the start: ${load()} on ${cpus().length} CPUs`);
  const a = [];
  const b = [];
  let same = true;
  for (let i = 0; i < rounds; i++) {
    const x = await own();
    const y = await piscina();
    a.push(x.seconds);
    b.push(y.seconds);
    const key = (rs) => JSON.stringify([...rs].sort((p, q) => p.run - q.run).map((r) => [r.run, r.figures]));
    same &&= key(x.out) === key(y.out);
  }
  const med = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  console.log(
    `hand-written pool (worker_threads): ${a.map((s) => s.toFixed(2)).join(' ')} s, median ${med(a).toFixed(2)}`,
  );
  console.log(
    `piscina (the sweep's pool now): ${b.map((s) => s.toFixed(2)).join(' ')} s, median ${med(b).toFixed(2)}`,
  );
  console.log(
    `piscina / hand-written: ${(med(b) / med(a)).toFixed(2)}; the same figures from both: ${same ? 'yes' : 'NO'}`,
  );
  console.log(`load average at the end: ${load()}`);
}
