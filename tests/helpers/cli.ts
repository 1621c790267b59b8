/**
 * Running commands in tests: in-process (fast; streams injected through setIo) or as a real process
 * through bin/run.js (stdin, pipes, EPIPE and signals).
 */

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import { setIo, type TickpipeCommand } from '../../src/cli/base.js';
import Backtest from '../../src/commands/backtest.js';
import Connect from '../../src/commands/connect.js';
import Drawdown from '../../src/commands/drawdown.js';
import Features from '../../src/commands/features.js';
import Fetch from '../../src/commands/fetch.js';
import Generate from '../../src/commands/generate.js';
import Orderbook from '../../src/commands/orderbook.js';
import Query from '../../src/commands/query.js';
import Report from '../../src/commands/report.js';
import Resample from '../../src/commands/resample.js';
import Sanitize from '../../src/commands/sanitize.js';
import StoreRead from '../../src/commands/store/read.js';
import StoreWrite from '../../src/commands/store/write.js';
import Summarize from '../../src/commands/summarize.js';
import Sweep from '../../src/commands/sweep.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

/** Every command by id (the CLI finds them through oclif.manifest.json, which `npm run build` writes). */
const COMMANDS = {
  backtest: Backtest,
  connect: Connect,
  drawdown: Drawdown,
  features: Features,
  fetch: Fetch,
  generate: Generate,
  orderbook: Orderbook,
  report: Report,
  resample: Resample,
  query: Query,
  sanitize: Sanitize,
  'store read': StoreRead,
  'store write': StoreWrite,
  summarize: Summarize,
  sweep: Sweep,
};

let config: Config | undefined;

/** Runs `tickpipe <argv>` in this process with `stdin` as standard input. */
export async function runInProcess(
  argv: string[],
  stdin = '',
  options: { stdinIsTTY?: boolean } = {},
): Promise<Result> {
  config ??= await Config.load(ROOT);
  // A topic command (`store write`) is its two words.
  const [id, ...rest] = argv[0] === 'store' ? [`store ${argv[1]}`, ...argv.slice(2)] : argv;
  const Cmd = COMMANDS[id as keyof typeof COMMANDS] as unknown as typeof TickpipeCommand | undefined;
  if (Cmd === undefined) throw new Error(`no command ${id}`);
  const input = Readable.from(stdin.length > 0 ? [Buffer.from(stdin)] : []) as Readable & { isTTY?: boolean };
  if (options.stdinIsTTY) input.isTTY = true;
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (d: Buffer) => outChunks.push(d));
  err.on('data', (d: Buffer) => errChunks.push(d));
  let code = -1;
  setIo({ stdin: input, stdout: out, stderr: err, setExitCode: (c) => (code = c), signals: false });
  try {
    await (Cmd as unknown as { run(argv: string[], config: Config): Promise<unknown> }).run(rest, config);
  } finally {
    setIo(undefined);
  }
  return { stdout: Buffer.concat(outChunks).toString(), stderr: Buffer.concat(errChunks).toString(), code };
}

/** Runs `node bin/run.js <argv>` as a child process. */
export function runCli(
  argv: string[],
  stdin?: string | Buffer,
  env: NodeJS.ProcessEnv = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        code: code ?? (signal === null ? -1 : 128),
      });
    });
    child.stdin.on('error', () => {});
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

/** Parses NDJSON text into objects. */
export function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
