/** The files fetch writes: flushed to the device and hashed from what is on disk. */

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync } from 'node:fs';
import { TickpipeError } from '../errors.js';
import { systemError } from '../io/errno.js';

/** Flushes `path` to its device (fsync) and returns the SHA-256 and size of what it holds. */
export async function syncAndHash(path: string): Promise<{ sha256: string; bytes: number }> {
  try {
    const fd = openSync(path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return await hashFile(path);
  } catch (error) {
    if (error instanceof TickpipeError) throw error;
    throw systemError(path, error);
  }
}

/** The SHA-256 and size of a file's bytes. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
