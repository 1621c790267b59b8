/**
 * Packaging: the tarball `npm pack` makes has what runs and nothing orphaned, installs globally into
 * a temporary prefix and runs from there (a pipeline, a TypeScript strategy without tsx, the man
 * page), and runs through npx from the tarball. scripts/pack-check.js does the work, offline (npm's
 * cache); it says so, and the test is skipped, where the cache lacks the dependencies.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  files: string[];
  man: string[];
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  homepage: string;
};

describe('package.json', () => {
  it('builds before packing, ships a licence and a man page, and has no TypeScript runtime as a dependency', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.files).toContain('LICENSE');
    expect(pkg.files).toContain('!dist/**/*.map');
    expect(pkg.man).toEqual(['./man/tickpipe.1']);
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.optionalDependencies)).toContain('sucrase');
    expect(pkg.homepage).toBe('https://github.com/tickpipe/tickpipe');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 the tickpipe authors\n/,
    );
  });
});

const result = JSON.parse(
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack-check.js'), '--offline'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  }),
) as {
  skipped?: string;
  files: string[];
  bin: boolean;
  version: string;
  pipeline: { code: number; lines: number; stderr: string };
  typescriptStrategy: { code: number; fills: number; stderr: string };
  installed: { tsx: boolean; sucrase: boolean; man: boolean; bytes: number };
  npx: { code: number; stdout: string; stderr: string };
};

describe('the tarball', () => {
  it('has dist/, one bin entry, the licence and the man page, and no source maps or bin/dev.js', () => {
    expect(result.files).toContain('bin/run.js');
    expect(result.files).not.toContain('bin/dev.js');
    expect(result.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(result.files.filter((f) => f.startsWith('src/'))).toEqual([]);
    for (const f of [
      'LICENSE',
      'man/tickpipe.1',
      'oclif.manifest.json',
      'dist/commands/backtest.js',
      'dist/core/index.d.ts',
    ])
      expect(result.files).toContain(f);
  });

  it.skipIf(result.skipped !== undefined)(
    `npm install -g into a temporary prefix: tickpipe on PATH runs a pipeline and a .ts strategy without tsx${result.skipped === undefined ? '' : ` (skipped: ${result.skipped})`}`,
    () => {
      expect(result.bin).toBe(true);
      expect(result.version).toMatch(/^tickpipe\/0\.1\.0 /);
      expect(result.pipeline).toEqual({ code: 0, lines: 50, stderr: '' });
      expect(result.typescriptStrategy.stderr).toBe('');
      expect(result.typescriptStrategy.code).toBe(0);
      expect(result.typescriptStrategy.fills).toBeGreaterThanOrEqual(1);
      expect(result.installed.tsx).toBe(false);
      expect(result.installed.sucrase).toBe(true);
      expect(result.installed.man).toBe(true);
    },
  );

  it.skipIf(result.skipped !== undefined)('npx from the tarball runs tickpipe', () => {
    expect(result.npx.code).toBe(0);
    expect(result.npx.stdout).toMatch(/^tickpipe\/0\.1\.0 /);
  });
});
