/**
 * Golden end-to-end cases: tests/golden/<command>/<case>/ holds `args` (one argument per line),
 * optionally `stdin.ndjson`, and the expected `expected.ndjson` (stdout), `expected.stderr` and
 * `expected.code` (exit code, 0 when absent). Each case spawns bin/run.js.
 *
 *   UPDATE_GOLDEN=1 npx vitest run tests/golden   rewrites the expected files; review with git diff.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const dir = join(ROOT, 'tests', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

for (const command of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
  describe(`golden: ${command.name}`, () => {
    for (const kase of readdirSync(join(dir, command.name), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    )) {
      const at = (f: string) => join(dir, command.name, kase.name, f);
      it(kase.name, async () => {
        const args = readFileSync(at('args'), 'utf8')
          .split('\n')
          .filter((a) => a.length > 0);
        const stdin = existsSync(at('stdin.ndjson')) ? readFileSync(at('stdin.ndjson')) : undefined;
        const r = await runCli([command.name, ...args], stdin);
        if (update) {
          writeFileSync(at('expected.ndjson'), r.stdout);
          if (r.stderr.length > 0) writeFileSync(at('expected.stderr'), r.stderr);
          if (r.code !== 0) writeFileSync(at('expected.code'), `${r.code}\n`);
          return;
        }
        expect(r.stdout).toBe(readFileSync(at('expected.ndjson'), 'utf8'));
        expect(r.stderr).toBe(
          existsSync(at('expected.stderr')) ? readFileSync(at('expected.stderr'), 'utf8') : '',
        );
        expect(r.code).toBe(
          existsSync(at('expected.code')) ? Number(readFileSync(at('expected.code'), 'utf8')) : 0,
        );
      });
    }
  });
}
