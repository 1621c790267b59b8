/**
 * tickpipe sweep as processes: byte-identical output for -j 1 and -j 4, three shards run as separate
 * processes merged into exactly the unsharded result, an interrupt (waiting for the first runs to
 * be written) then --resume giving exactly the uninterrupted bytes, and the help's examples.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import Sweep from '../src/commands/sweep.js';
import { BIN, parseLines, ROOT, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-sweep-cli-'));
const data = join(dir, 'candles.ndjson');
const big = join(dir, 'big.ndjson');
const SPACE = [
  '--strategy',
  'sma-cross',
  '--sizing',
  'percent-equity:0.5',
  '--grid',
  'fast=4..16:4',
  '--grid',
  'slow=20,40,60',
  '--where',
  'fast * 2 < slow',
];

beforeAll(async () => {
  const a = await runCli(['generate', 'candles', '--count', '4000', '--seed', '3']);
  writeFileSync(data, a.stdout);
  const b = await runCli(['generate', 'candles', '--count', '40000', '--seed', '4']);
  writeFileSync(big, b.stdout);
}, 60_000);

describe('sweep: processes', () => {
  it('-j 1 and -j 4 write the same bytes, in run order', async () => {
    const one = await runCli(['sweep', data, ...SPACE, '-j', '1']);
    const four = await runCli(['sweep', data, ...SPACE, '-j', '4']);
    expect(one.code).toBe(0);
    expect(four.code).toBe(0);
    expect(four.stdout).toBe(one.stdout);
    const runs = parseLines(one.stdout).filter((r) => r.type === 'sweep_run');
    expect(runs.map((r) => r.run)).toEqual(Array.from({ length: runs.length }, (_, i) => i + 1));
    // fast 4 with 20, 40, 60; 8 with 20, 40, 60; 12 with 40, 60; 16 with 40, 60.
    expect(runs.length).toBe(10);
  }, 60_000);

  it('three shards as separate processes, merged, equal the unsharded run byte for byte', async () => {
    const whole = await runCli(['sweep', data, ...SPACE, '-j', '2']);
    const parts = await Promise.all(
      ['1/3', '2/3', '3/3'].map((s) => runCli(['sweep', data, ...SPACE, '-j', '1', '--shard', s])),
    );
    const files = parts.map((p, i) => {
      expect(p.code).toBe(0);
      const f = join(dir, `part${i + 1}.ndjson`);
      writeFileSync(f, p.stdout);
      return f;
    });
    expect(
      parseLines(parts[0]!.stdout)
        .filter((r) => r.type === 'sweep_run')
        .map((r) => r.run),
    ).toEqual([1, 4, 7, 10]);
    // Given in another order, and once through stdin.
    const merged = await runCli(['sweep', '--merge', files[2]!, files[0]!, files[1]!]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(whole.stdout);
    const piped = await runCli(['sweep', '--merge'], parts.map((p) => p.stdout).join(''));
    expect(piped.stdout).toBe(whole.stdout);
    // Kubernetes and Slurm indices pick the same shards.
    const k8s = await runCli(
      ['sweep', data, ...SPACE, '-j', '1', '--shard', 'auto', '--shard-count', '3'],
      undefined,
      {
        JOB_COMPLETION_INDEX: '1',
      },
    );
    expect(k8s.stdout).toBe(parts[1]!.stdout);
    const slurm = await runCli(['sweep', data, ...SPACE, '-j', '1', '--shard', 'auto'], undefined, {
      SLURM_ARRAY_TASK_ID: '3',
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_COUNT: '3',
    });
    expect(slurm.stdout).toBe(parts[2]!.stdout);
  }, 120_000);

  it('SIGTERM after the first runs writes them and exits 143; --resume completes the same bytes', async () => {
    const args = ['sweep', big, ...SPACE, '-j', '1'];
    const whole = await runCli(args);
    expect(whole.code).toBe(0);
    const partial = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Wait for the condition: two runs written.
        if (!sent && out.split('\n').length > 2) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: out }));
    });
    expect(partial.code).toBe(143);
    const done = parseLines(partial.stdout).filter((r) => r.type === 'sweep_run');
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(10);
    const file = join(dir, 'partial.ndjson');
    writeFileSync(file, partial.stdout);
    const resumed = await runCli([...args, '--resume', file]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(whole.stdout);
    // A resume file of another sweep is refused.
    const other = await runCli([
      'sweep',
      big,
      ...SPACE.slice(0, 4),
      '--grid',
      'fast=5,6',
      '--param',
      'slow=30',
      '--resume',
      file,
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/a different sweep/);
  }, 180_000);

  it('--progress draws the runs done, of how many, with an ETA, on one line (here on a pipe)', async () => {
    // 10 runs of 40,000 candles in this thread: the line's timer (4 a second) fires between runs.
    const r = await runCli(['sweep', big, ...SPACE, '-j', '1', '--progress']);
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout).filter((x) => x.type === 'sweep_run')).toHaveLength(10);
    const drawn = r.stderr.split('\r\x1b[K').filter((l) => l !== '');
    const runs = drawn.filter((l) => /, \d+\/10 runs/.test(l));
    expect(runs.length).toBeGreaterThan(0);
    for (const l of runs)
      expect(l).toMatch(
        /^sweep: 100% of .*big\.ndjson \(.* of .*\), .*\/s, (10\/10 runs|1\/10 runs|[2-9]\/10 runs, ETA \d+:\d\d)$/,
      );
    // Before the first result the line says so; the count never goes back.
    expect(drawn.every((l) => / runs|no run finished yet$/.test(l))).toBe(true);
    const counts = runs.map((l) => Number(/(\d+)\/10 runs/.exec(l)![1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // The same output as without the line, and no line with --no-progress.
    const quiet = await runCli(['sweep', big, ...SPACE, '-j', '1', '--no-progress']);
    expect(quiet.stdout).toBe(r.stdout);
    expect(quiet.stderr).not.toContain('runs');
  }, 120_000);

  it('the help examples run as written (on generated candles)', async () => {
    const help = await runCli(['sweep', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/EXAMPLES/);
    const examples = (Sweep.examples as { command: string }[]).map((e) =>
      e.command.replaceAll('<%= config.bin %>', 'tickpipe').replaceAll('<%= command.id %>', 'sweep'),
    );
    expect(examples.length).toBe(5);
    writeFileSync(
      join(dir, 'candles.ndjson'),
      readFileSync(data, 'utf8').split('\n').slice(0, 1500).join('\n'),
    );
    const sh = async (cmd: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('sh', ['-c', cmd.replaceAll('tickpipe ', `${process.execPath} ${BIN} `)], {
          cwd: dir,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    // Example 3 needs parts 1 and 3 next to it, example 4 a partial result, example 5 the strategy clients.
    if (!existsSync(join(dir, 'examples'))) symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
    for (const k of [1, 3])
      await sh(
        `tickpipe sweep candles.ndjson --sizing percent-equity:0.5 --grid fast=5..50:5 --grid slow=60,120 --shard ${k}/3 > part${k}.ndjson`,
      );
    writeFileSync(join(dir, 'partial.ndjson'), '');
    for (const cmd of examples) {
      const r = await sh(cmd);
      expect({ cmd, code: r.code, stderr: r.stderr }).toEqual({ cmd, code: 0, stderr: expect.any(String) });
      const out = r.stdout.length > 0 ? r.stdout : readFileSync(join(dir, 'runs.ndjson'), 'utf8');
      expect(parseLines(out).at(-1)!.type).toBe('sweep_summary');
    }
  }, 180_000);
});
