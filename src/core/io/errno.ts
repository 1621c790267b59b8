/**
 * Write and read failures of the operating system as one short phrase for a located message
 * (`stdout: no space left on device`), instead of a stack trace.
 */

import { TickpipeError } from '../errors.js';

const PHRASES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
};

/** The operating system's error code of `error`, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for an error the operating system raised (a code such as ENOSPC), not a bug. */
export function isSystemError(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && /^E[A-Z0-9]+$/.test(code);
}

/** `no space left on device` for ENOSPC, and so on; the error's own message otherwise. */
export function describeSystemError(error: unknown): string {
  const code = errnoCode(error);
  const phrase = code === undefined ? undefined : PHRASES[code];
  if (phrase !== undefined) return phrase;
  const message = (error as Error | undefined)?.message ?? String(error);
  // Node's messages read `ENOSPC: no space left on device, write`: keep the words, drop the call.
  return message.replace(/^E[A-Z0-9]+: /, '').replace(/, (write|open|fsync|rename|close)\b.*$/, '');
}

/** A located runtime error (exit 1) for a failed write or read of `where`. */
export function systemError(where: string, error: unknown): TickpipeError {
  const e = new TickpipeError(`${where}: ${describeSystemError(error)}`);
  (e as { cause?: unknown }).cause = error;
  return e;
}
