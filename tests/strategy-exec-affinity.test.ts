/**
 * `exec:` strategies run on the engine's CPU (src/core/backtest/exec/affinity.ts): the two take
 * turns, and a wake-up across CPUs costs far more than a switch on one. Checked by a client that
 * reports its own CPU list (os.sched_getaffinity) on stderr, with pinning on and off.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuList } from '../src/core/backtest/exec/affinity.js';
import { runCli } from './helpers/cli.js';
import { describeWith, PYTHON } from './helpers/programs.js';

describe('cpuList', () => {
  it.each([
    ['0', [0]],
    ['0-3', [0, 1, 2, 3]],
    ['0-1,4,6-7\n', [0, 1, 4, 6, 7]],
    ['x', []],
  ])('%j is %j', (text, cpus) => expect(cpuList(text)).toEqual(cpus));
});

const allowed = cpuList(
  /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '',
);
let tasksetHere = false;
try {
  execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  tasksetHere = true;
} catch {}
const canPin = process.platform === 'linux' && tasksetHere && allowed.length >= 2;

describeWith(PYTHON, 'python3')('exec: the strategy process on the engine CPU', () => {
  let dir = '';
  let candles = '';
  let spec = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickpipe-exec-cpu-'));
    const client = join(dir, 'cpus.py');
    writeFileSync(
      client,
      [
        'import json, os, sys',
        'sys.stdin.readline()',
        'sys.stderr.write("cpus %s\\n" % ",".join(str(c) for c in sorted(os.sched_getaffinity(0))))',
        'sys.stderr.flush()',
        'print(json.dumps({"type": "hello", "protocol": 1, "wants": ["candle"]}), flush=True)',
        'for line in sys.stdin:',
        '    if json.loads(line)["event"] == "end": break',
        '    print("[]", flush=True)',
      ].join('\n'),
    );
    spec = `exec:python3 ${client}`;
    candles = (await runCli(['generate', 'candles', '--count', '20', '--seed', '3'])).stdout;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cpusOf = (stderr: string): number[] => cpuList(/^strategy: cpus (.*)$/m.exec(stderr)?.[1] ?? 'none');

  it.runIf(canPin)('pinned: the child may run on one CPU only, one of those allowed', async () => {
    const r = await runCli(['backtest', '--strategy', spec, '-q'], candles);
    expect(r.code).toBe(0);
    const cpus = cpusOf(r.stderr);
    expect(cpus).toHaveLength(1);
    expect(allowed).toContain(cpus[0]);
  });

  it('TICKPIPE_EXEC_PIN=0: the child keeps every CPU it was allowed', async () => {
    const r = await runCli(['backtest', '--strategy', spec, '-q'], candles, { TICKPIPE_EXEC_PIN: '0' });
    expect(r.code).toBe(0);
    expect(cpusOf(r.stderr)).toEqual(allowed);
  });

  it.skipIf(canPin)(
    'pinning not possible here (needs Linux, taskset and two CPUs): its check skipped',
    () => {},
  );
});
