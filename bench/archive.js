// Bench fixtures for `fetch`: a Binance-style monthly kline zip of N rows, written by streaming
// (the CSV is never held in memory), and a loopback server that serves files from a folder laid out
// like data.binance.vision, with .CHECKSUM sidecars.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { crc32, createDeflateRaw } from 'node:zlib';

/** Spot 1s kline rows from 2024-01-01, as the archive writes them (no header, milliseconds). */
function* rows(n) {
  const start = Date.UTC(2024, 0, 1);
  let price = 42000;
  for (let i = 0; i < n; i++) {
    const o = start + i * 1000;
    const step = ((i * 7919) % 13) - 6;
    const open = price;
    price = Math.max(1000, price + step * 0.37);
    const high = Math.max(open, price) + 1.23;
    const low = Math.min(open, price) - 0.98;
    yield `${o},${open.toFixed(8)},${high.toFixed(8)},${low.toFixed(8)},${price.toFixed(8)},${(0.5 + (i % 17) / 10).toFixed(8)},${o + 999},${(21000 + (i % 31) * 100).toFixed(8)},${i % 97},${(0.25 + (i % 7) / 10).toFixed(8)},${(10500 + (i % 29) * 50).toFixed(8)},0\n`;
  }
}

/** Writes a one-entry zip of n kline rows to `path` (skipped when it exists); returns its sha256. */
export async function klineZip(path, n, entryName) {
  if (!existsSync(path)) {
    const name = Buffer.from(entryName);
    const headerLen = 30 + name.length;
    const fd = openSync(path, 'w');
    writeSync(fd, Buffer.alloc(headerLen), 0, headerLen, 0);
    closeSync(fd);
    let crc = 0;
    let size = 0;
    const out = createWriteStream(path, { flags: 'r+', start: headerLen });
    const deflate = createDeflateRaw({ level: 6 });
    const done = new Promise((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
    deflate.pipe(out);
    let batch = '';
    for (const row of rows(n)) {
      batch += row;
      if (batch.length > 1 << 20) {
        const b = Buffer.from(batch);
        crc = crc32(b, crc);
        size += b.length;
        if (!deflate.write(b)) await new Promise((r) => deflate.once('drain', r));
        batch = '';
      }
    }
    const b = Buffer.from(batch);
    crc = crc32(b, crc);
    size += b.length;
    deflate.end(b);
    await done;
    const compressed = statSync(path).size - headerLen;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(central.length + name.length, 12);
    eocd.writeUInt32LE(headerLen + compressed, 16);
    const fd2 = openSync(path, 'r+');
    writeSync(fd2, Buffer.concat([local, name]), 0, headerLen, 0);
    writeSync(
      fd2,
      Buffer.concat([central, name, eocd]),
      0,
      central.length + name.length + 22,
      headerLen + compressed,
    );
    closeSync(fd2);
  }
  const hash = createHash('sha256');
  for await (const c of createReadStream(path)) hash.update(c);
  return hash.digest('hex');
}

/** Serves `files` (URL path → local file) on 127.0.0.1, with .CHECKSUM sidecars from `sums`. */
export async function serve(files, sums) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path.endsWith('.CHECKSUM') && sums.has(path.slice(0, -9))) {
      res.end(`${sums.get(path.slice(0, -9))}  ${path.split('/').pop().slice(0, -9)}\n`);
      return;
    }
    const file = files.get(path);
    if (file === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

export { join, readFileSync };
