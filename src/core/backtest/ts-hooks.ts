/**
 * Node module hooks (registered by ts-import.ts with `module.register`) that load TypeScript on a
 * Node without type stripping (Node 20): a `.ts` or `.mts` module is compiled by sucrase (an
 * optional dependency, 2 MB, pure JavaScript) to an ES module, types removed and nothing else
 * changed. A relative `./x.js` import from a TypeScript module that has only `./x.ts` beside it
 * resolves to the `.ts` file, as TypeScript's own resolution does.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface Loaded {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

const TS = /\.m?ts$/;

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next<[string, { parentURL?: string }], Resolved>,
): Promise<Resolved> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTs = context.parentURL !== undefined && TS.test(context.parentURL);
    if (!fromTs || !specifier.startsWith('.') || !/\.m?js$/.test(specifier)) throw error;
    return next(specifier.replace(/js$/, 'ts'), context);
  }
}

export async function load(
  url: string,
  context: { format?: string | null },
  next: Next<[string, { format?: string | null }], Loaded>,
): Promise<Loaded> {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  const { transform } = await import('sucrase');
  const path = fileURLToPath(url);
  const code = await readFile(path, 'utf8');
  const out = transform(code, { transforms: ['typescript'], filePath: path, disableESTransforms: true });
  return { format: 'module', source: out.code, shortCircuit: true };
}
