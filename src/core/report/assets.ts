/**
 * The chart libraries, read from node_modules at run time and inlined into the page:
 * lightweight-charts' standalone production build (it defines `window.LightweightCharts`) and uPlot's
 * minified IIFE build and style sheet (`window.uPlot`). docs/report.md says why these two.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export interface ChartAssets {
  readonly scripts: string[];
  readonly styles: string[];
}

let cached: ChartAssets | undefined;

/** The libraries' files (read once per process). */
export function chartAssets(): ChartAssets {
  if (cached !== undefined) return cached;
  const lw = packageDir('lightweight-charts');
  const up = packageDir('uplot');
  cached = {
    scripts: [
      readFileSync(join(lw, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8'),
      readFileSync(join(up, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    ],
    styles: [readFileSync(join(up, 'dist', 'uPlot.min.css'), 'utf8')],
  };
  return cached;
}
