/**
 * Imports a TypeScript module (a `--strategy x.ts`) without a TypeScript runtime as a dependency:
 * on a Node with type stripping (`process.features.typescript`: Node 22.18 and later, or 22.6 with
 * `--experimental-strip-types`) Node loads it itself; otherwise module hooks compile it with sucrase,
 * an optional dependency (ts-hooks.ts). Without either, a clear error says what to install.
 */

import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';

let registered = false;

async function hasSucrase(): Promise<boolean> {
  try {
    await import('sucrase');
    return true;
  } catch {
    return false;
  }
}

/** Imports the TypeScript module at the absolute `path`. */
export async function importTypeScript(path: string): Promise<Record<string, unknown>> {
  const stripping = (process.features as { typescript?: string | false }).typescript;
  if (!stripping && !registered) {
    if (!(await hasSucrase()))
      throw new UsageError(
        `${path}: this Node (${process.version}) cannot strip TypeScript types, and the optional dependency sucrase is not installed: run \`npm install sucrase\` beside tickpipe, use Node 22.18 or later, or compile the strategy to .js`,
      );
    register(new URL('./ts-hooks.js', import.meta.url).href);
    registered = true;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}
