/**
 * `exec:` strategies that fail (docs/strategy-protocol.md, "When things go wrong"): malformed replies,
 * a reply that does not come within --strategy-timeout, a child that dies mid-run, its stderr,
 * SIGINT/SIGTERM to tickpipe, and no process left behind (the child's pid is looked up in /proc).
 * Every wait is for a condition (a file appearing, a process ending), never a fixed sleep.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, parseLines, ROOT, runCli, runInProcess } from './helpers/cli.js';
import { describeWith, PYTHON } from './helpers/programs.js';

const CLIENT = join(ROOT, 'tests', 'strategy-exec-client.py');
const describePython = describeWith(PYTHON, 'python3');

let dir = '';
let candles = '';
let n = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickpipe-exec-fail-'));
  candles = (await runCli(['generate', 'candles', '--count', '500', '--seed', '5'])).stdout;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh pid file path, and the exec: spec of the test client in `mode`. */
function client(mode: string, extra = ''): { spec: string; pidfile: string } {
  const pidfile = join(dir, `pid-${++n}`);
  return { spec: `exec:python3 ${CLIENT} ${mode} --pidfile ${pidfile} ${extra}`.trim(), pidfile };
}

function pidOf(pidfile: string): number {
  return Number(readFileSync(pidfile, 'utf8'));
}

/** True while /proc has the process (running, or a zombie nobody reaped). */
function exists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Resolves once `cond` holds (polled), rejects after `ms`. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every output line is a whole record (nothing half written). */
function wholeLines(stdout: string): void {
  for (const line of stdout.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line)).not.toThrow();
}

describePython('exec: failures end the run with exit 1, the event and the reply or last words', () => {
  it('a reply that is not JSON: the input line of the event and the reply text', async () => {
    const { spec, pidfile } = client('malformed', '--at 3');
    const r = await runCli(['backtest', '--strategy', spec, '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /stdin:3: strategy test-client threw in onRecord: a malformed reply: the reply is not JSON/,
    );
    expect(r.stderr).toContain('this is not json');
    expect(r.stderr).toContain('record: {"type":"candle"');
    wholeLines(r.stdout);
    expect(exists(pidOf(pidfile))).toBe(false);
  });

  it('a reply that is not an array of intents', async () => {
    const r = await runCli(['backtest', '--strategy', client('notarray', '--at 2').spec, '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:2: strategy test-client threw in onRecord: a malformed reply: expected a JSON array of intents ([] for none), found {"side":"buy"}',
    );
  });

  it('two lines for one event: the second is refused at the next event', async () => {
    const r = await runCli(['backtest', '--strategy', client('twolines', '--at 4').spec, '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:5: strategy test-client threw in onRecord: the strategy wrote a line no event asked for (one reply per event): []',
    );
  });

  it('no reply within --strategy-timeout: the child is killed, exit 1 naming the event', async () => {
    const { spec, pidfile } = client('sleep', '--at 2');
    const r = await runCli(['backtest', '--strategy', spec, '--strategy-timeout', '300ms', '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:2: strategy test-client threw in onRecord: no reply within 0.3 s (--strategy-timeout): the strategy process was killed.',
    );
    wholeLines(r.stdout);
    expect(exists(pidOf(pidfile))).toBe(false);
  });

  it('a crash mid-run: its exit code, its last words on stderr (also relayed, prefixed) and the event', async () => {
    const { spec, pidfile } = client('crash', '--at 5');
    const r = await runCli(['backtest', '--strategy', spec, '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strategy: boom at event 5\n');
    expect(r.stderr).toContain(
      'stdin:5: strategy test-client threw in onRecord: the strategy process exited with code 3 before replying. Its last words on stderr: boom at event 5',
    );
    expect(r.stderr).toMatch(/record: \{"type":"candle","time":"[^"]+"/);
    wholeLines(r.stdout);
    expect(exists(pidOf(pidfile))).toBe(false);
  });

  it("the child's stderr goes to tickpipe's, each line prefixed; the run still succeeds", async () => {
    const r = await runCli(['backtest', '--strategy', client('stderr').spec, '-q'], candles);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines).toContain('strategy: starting');
    expect(lines).toContain('strategy: note 1');
    expect(lines).toContain('strategy: note 500');
  });

  it('a command that cannot run: exit 1 with what the shell said', async () => {
    const r = await runCli(['backtest', '--strategy', 'exec:no-such-strategy-command-xyz', '-q'], candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '--strategy exec:no-such-strategy-command-xyz: no hello: the strategy process exited with code 127',
    );
    expect(r.stderr).toContain('not found');
    expect(r.stdout).toBe('');
  });

  it('--strategy-timeout that is not a duration is a usage error', async () => {
    const r = await runCli(['backtest', '--strategy', 'sma-cross', '--strategy-timeout', 'soon'], candles);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--strategy-timeout: expected a duration (10s, 500ms), found "soon"');
  });
});

describePython('exec: no process is left behind', () => {
  it('after a run in this process the child is reaped (no /proc entry, not even a zombie)', async () => {
    const ok = client('ok');
    const r = await runInProcess(['backtest', '--strategy', ok.spec, '-q'], candles);
    expect(r.code).toBe(0);
    expect(exists(pidOf(ok.pidfile))).toBe(false);
    const crash = client('crash', '--at 2');
    const c = await runInProcess(['backtest', '--strategy', crash.spec, '-q'], candles);
    expect(c.code).toBe(1);
    expect(exists(pidOf(crash.pidfile))).toBe(false);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    it(`${signal} to tickpipe: exit ${code}, the child and the shell's children gone`, async () => {
      // `; true` keeps sh as the child's parent: the client is a grandchild, killed with the group.
      const { spec, pidfile } = client('ok');
      const child = spawn(process.execPath, [BIN, 'backtest', '--strategy', `${spec}; true`, '-q'], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // Some candles, and stdin left open: the run waits for more.
      child.stdin.write(candles.split('\n').slice(0, 50).join('\n'));
      child.stdin.write('\n');
      await until(() => existsSync(pidfile));
      const pid = pidOf(pidfile);
      expect(exists(pid)).toBe(true);
      child.kill(signal);
      expect(await exited, stderr).toBe(code);
      await until(() => !exists(pid));
      child.stdin.destroy();
    });
});

describe('exec: the reply line is read whole', () => {
  it('a reply larger than the read buffer (64 KiB) arrives in pieces and is parsed once', async () => {
    // A shell client: hello, then for each event one reply of ~100 KiB of spaces before [].
    const script = join(dir, 'big.sh');
    const pad = ' '.repeat(100_000);
    writeFileSync(
      script,
      `read -r hello\necho '{"type":"hello","protocol":1,"wants":["candle"]}'\nwhile read -r line; do case "$line" in *'"end"'*) exit 0;; esac; printf '%s[]\\n' '${pad}'; done\n`,
    );
    const r = await runCli(
      ['backtest', '--strategy', `exec:sh ${script}`, '-q'],
      candles.split('\n').slice(0, 20).join('\n'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseLines(r.stdout).filter((x) => x.type === 'fill')).toHaveLength(0);
  });
});
