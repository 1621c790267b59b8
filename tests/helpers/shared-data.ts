/**
 * The one way tests reach the real exchange files in ../shared/data (see its PROVENANCE.md): the
 * folder beside the project, or the one named by TICKPIPE_SHARED_DATA. Where it is absent, the tests
 * that need it are skipped with a message saying so; the files are never copied into the project.
 */

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { ROOT } from './cli.js';

export function sharedDataDir(): string | undefined {
  const candidates = [process.env.TICKPIPE_SHARED_DATA, resolve(ROOT, '..', 'shared', 'data')];
  for (const c of candidates)
    if (c !== undefined && c !== '' && existsSync(join(c, 'PROVENANCE.md'))) return c;
  return undefined;
}

const dir = sharedDataDir();

/** A path inside the shared data folder (call only inside describeShared). */
export function sharedFile(...parts: string[]): string {
  if (dir === undefined) throw new Error('shared data folder not found');
  return join(dir, ...parts);
}

/** `describe` for tests on the shared real data: skipped, with the reason in its name, when absent. */
export function describeShared(name: string, fn: () => void): void {
  if (dir === undefined) {
    // Not `describe.skip(name, fn)`: vitest still runs a skipped suite's body to collect its tests,
    // and a body that builds paths with sharedFile at collection time would throw.
    describe.skip(`${name} (skipped: ../shared/data not found; set TICKPIPE_SHARED_DATA to its path)`, () => {
      it('needs ../shared/data', () => {});
    });
  } else {
    describe(name, fn);
  }
}
