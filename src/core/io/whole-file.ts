/**
 * A file written whole or not at all: to a temporary name beside it, renamed over it when complete
 * (atomic on POSIX), so that a killed run never leaves half a file under the real name.
 *
 * Only a regular file (or nothing) is replaced that way. A path that names something else, a
 * device such as `/dev/null` or `/dev/stdout`, a FIFO, a socket, is written directly: renaming a
 * file over `/dev/null` would replace the device with a regular file for the whole machine. A
 * symbolic link to a regular file is followed, so the link stays and its target is replaced.
 */

import { realpathSync, renameSync, rmSync, statSync } from 'node:fs';

export interface WholeFile {
  /** Where to write. */
  readonly path: string;
  /** The writing is complete: put it in place. */
  commit(): void;
  /** The writing failed: remove what was written under the temporary name. */
  abandon(): void;
}

export function wholeFile(path: string): WholeFile {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isFile()) return { path, commit: () => {}, abandon: () => {} };
  const target = stat === undefined ? path : realpathSync(path);
  const tmp = `${target}.${process.pid}.tmp`;
  return {
    path: tmp,
    commit: () => renameSync(tmp, target),
    abandon: () => rmSync(tmp, { force: true }),
  };
}
