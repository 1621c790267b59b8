// Packs tickpipe as npm would publish it, installs the tarball globally into a temporary prefix and
// runs it from there, then runs it through `npm exec` (npx) from the tarball. Prints one JSON object
// of what it found (tests/cli-package.test.ts checks it). No network with --offline: npm takes the
// dependencies from its cache, and the run reports `{"skipped": "..."}` when the cache lacks them.
//
//   node scripts/pack-check.js [--offline] [--keep]
//
// dist/ must be built already (`npm run build`): the pack runs with --ignore-scripts so that it does
// not rebuild dist/ under tests that are using it; `prepack` (npm run build) does that on a real pack.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const offline = process.argv.includes('--offline');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'tickpipe-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = ['--no-audit', '--no-fund', '--loglevel=error', ...(offline ? ['--offline'] : [])];
const result = { work };

function du(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += du(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

try {
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work, ...quiet], {
      cwd: root,
      encoding: 'utf8',
    }),
  )[0];
  const tarball = join(work, packed.filename);
  result.files = packed.files.map((f) => f.path).sort();
  const prefix = join(work, 'prefix');
  const install = spawnSync(npm, ['install', '--global', '--prefix', prefix, ...quiet, tarball], {
    encoding: 'utf8',
  });
  if (install.status !== 0) {
    if (offline && /ENOTCACHED/.test(install.stderr)) {
      result.skipped = `npm's cache lacks tickpipe's dependencies (ENOTCACHED); run node scripts/pack-check.js once online`;
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    }
    throw new Error(`npm install -g failed:\n${install.stderr}`);
  }
  const bin = join(prefix, 'bin', 'tickpipe');
  const pkgDir = join(prefix, 'lib', 'node_modules', 'tickpipe');
  const env = {
    ...process.env,
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    NO_COLOR: '1',
    NODE_ENV: 'production',
  };
  const run = (args, input) =>
    spawnSync('tickpipe', args, { cwd: work, env, input, encoding: 'utf8', shell: false });
  result.bin = existsSync(bin);
  result.version = run(['--version']).stdout.trim();
  const candles = run(['generate', 'candles', '--count', '50', '--seed', '1']);
  const clean = run(['sanitize', '--quiet'], candles.stdout);
  result.pipeline = {
    code: clean.status,
    lines: clean.stdout.split('\n').filter(Boolean).length,
    stderr: clean.stderr,
  };
  const strategy = join(work, 'strategy.ts');
  writeFileSync(
    strategy,
    [
      "import type { Intent } from './types.js';",
      'export const defaults: Record<string, number> = { at: 3 };',
      'export function create(params: Record<string, unknown>) {',
      '  let seen: number = 0;',
      "  return { onRecord(r: { type: string }): Intent[] | undefined { return r.type === 'candle' && ++seen === Number(params.at) ? [{ side: 'buy', amount: 0.01 }] : undefined; } };",
      '}',
      "export interface Intent { side: 'buy' | 'sell'; amount: number }",
    ].join('\n'),
  );
  const bt = run(['backtest', '--strategy', strategy, '--quiet'], candles.stdout);
  result.typescriptStrategy = {
    code: bt.status,
    fills: bt.stdout.split('\n').filter((l) => l.includes('"type":"fill"')).length,
    stderr: bt.stderr,
  };
  result.installed = {
    tsx: existsSync(join(pkgDir, 'node_modules', 'tsx')),
    sucrase: existsSync(join(pkgDir, 'node_modules', 'sucrase')),
    man: existsSync(join(prefix, 'share', 'man', 'man1', 'tickpipe.1')),
    bytes: du(pkgDir),
  };
  const cache = join(work, 'npx-home');
  mkdirSync(cache);
  const npx = spawnSync(
    npm,
    ['exec', '--yes', ...quiet, `--package=${tarball}`, '--', 'tickpipe', '--version'],
    {
      cwd: cache,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    },
  );
  result.npx = { code: npx.status, stdout: npx.stdout.trim(), stderr: npx.stderr.trim() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
