// Writes oclif.manifest.json (run by `npm run build`, after tsc): every command's id, flags and help,
// and the file it lives in. With it, oclif imports only the command being run instead of every
// command and everything they import, which took about a third of a second at each start.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'oclif.manifest.json');
rmSync(file, { force: true });
const config = await Config.load(root);
const plugin = config.plugins.get(config.pjson.name);
const { manifest } = plugin;
const ids = Object.keys(manifest.commands);
for (const id of ids) {
  const c = manifest.commands[id];
  if (c.isESM === undefined || c.relativePath === undefined)
    throw new Error(`manifest: command ${id} has no file (isESM/relativePath missing)`);
}
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`oclif.manifest.json: ${ids.join(', ')}\n`);
