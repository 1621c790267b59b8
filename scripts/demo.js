// `npm start`: the main job on an embedded default. Generates a week of 1-minute BTCUSDT candles,
// damages a copy the way real downloads get damaged (a repeated line, two lines swapped, a missing
// stretch, a bad print), and runs the real `tickpipe sanitize` over it, printing what it found.
// Later issues extend this to a backtest and its summary.

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'run.js');

function tickpipe(args, input) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  return r;
}

const count = 7 * 1440;
console.log(`$ tickpipe generate candles --count ${count} --from 2024-01-01 --seed 42`);
const generated = tickpipe([
  'generate',
  'candles',
  '--count',
  String(count),
  '--from',
  '2024-01-01',
  '--seed',
  '42',
]).stdout;
const lines = generated.trimEnd().split('\n');
const first = JSON.parse(lines[0]);
const last = JSON.parse(lines.at(-1));
console.log(
  `  ${lines.length} candles, ${first.open_time} .. ${last.time}, price ${first.open} -> ${last.close}\n`,
);

// The damage, each kind once or a few times, as a real archive or a flaky feed would have it.
const damaged = [...lines];
damaged.splice(2000, 0, damaged[1999]); // a line repeated
[damaged[3001], damaged[3002]] = [damaged[3002], damaged[3001]]; // two lines swapped
damaged.splice(5000, 7); // seven minutes missing
const bad = JSON.parse(damaged[8000]);
damaged[8000] = JSON.stringify({ ...bad, low: Math.round(bad.low * 0.5 * 100) / 100 }); // a bad print in the low
damaged[9000] = damaged[9000].replace(/"close":[0-9.]+/, '"close":"n/a"'); // a broken field
console.log(
  'injected: 1 repeated line, 2 swapped lines, 7 missing minutes, 1 bad low print, 1 broken field\n',
);

const args = ['sanitize', '--reorder-window', '10', '--fill-gaps', 'flat', '--spike', '15'];
console.log(`$ tickpipe ${args.join(' ')}`);
const result = tickpipe(args, `${damaged.join('\n')}\n`);
process.stdout.write(result.stderr);
const out = result.stdout.trimEnd().split('\n');
console.log(`\n${out.length} clean candles written; the first: ${out[0].slice(0, 120)}...`);
