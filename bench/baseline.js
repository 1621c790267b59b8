// The parse-only baseline: read the file, split lines with tickpipe's splitter, JSON.parse each,
// discard. It is the physical limit for an NDJSON tool in Node; every tool is reported against it.
// Variants (for choosing the splitter): `readline` and the `ndjson` package; `capture` for a
// gzipped `<ns> <json>` recording (connect --replay's baseline).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { READ_CHUNK } from '../dist/core/io/input.js';
import { splitLines } from '../dist/core/io/lines.js';

const [file, variant = 'tickpipe'] = process.argv.slice(2);
let n = 0;
if (variant === 'tickpipe') {
  for await (const { lines } of splitLines(createReadStream(file, { highWaterMark: READ_CHUNK }), file)) {
    for (const line of lines) {
      if (line.length > 0) {
        JSON.parse(line);
        n++;
      }
    }
  }
} else if (variant === 'readline') {
  const rl = createInterface({
    input: createReadStream(file, { highWaterMark: READ_CHUNK }),
    crlfDelay: Infinity,
  });
  for await (const line of rl) {
    if (line.length > 0) {
      JSON.parse(line);
      n++;
    }
  }
} else if (variant === 'ndjson') {
  const ndjson = (await import('ndjson')).default;
  await new Promise((resolve, reject) => {
    createReadStream(file, { highWaterMark: READ_CHUNK })
      .pipe(ndjson.parse())
      .on('data', () => n++)
      .on('end', resolve)
      .on('error', reject);
  });
} else if (variant === 'capture') {
  // A recorded capture (`<local ns> <raw JSON>` per line, gzip): gunzip (in READ_CHUNK pieces, as
  // tickpipe does), split, JSON.parse the frame.
  const { createGunzip } = await import('node:zlib');
  const gunzipped = createReadStream(file, { highWaterMark: READ_CHUNK }).pipe(
    createGunzip({ chunkSize: READ_CHUNK }),
  );
  for await (const { lines } of splitLines(gunzipped, file)) {
    for (const line of lines) {
      const sp = line.indexOf(' ');
      if (sp > 0) {
        JSON.parse(line.slice(sp + 1));
        n++;
      }
    }
  }
} else {
  throw new Error(`unknown variant ${variant}`);
}
process.stdout.write(`${n}\n`);
