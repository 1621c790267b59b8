// Writes man/tickpipe.1 from oclif.manifest.json (run by `npm run build` after the manifest, and by
// `npm run man`): the man page is the help, in roff. The generator is src/cli/man.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manPage } from '../dist/cli/man.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
mkdirSync(join(root, 'man'), { recursive: true });
const file = join(root, 'man', 'tickpipe.1');
writeFileSync(
  file,
  manPage(manifest, { version: pkg.version, description: pkg.description, homepage: pkg.homepage }),
);
process.stdout.write(`man/tickpipe.1: ${Object.keys(manifest.commands).length} commands\n`);
