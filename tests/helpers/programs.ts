/**
 * Programs some tests need besides Node (python3 for the exec: strategy clients, jq for the shell
 * one): whether they are on PATH, and `describe` that skips with the reason where one is not.
 */

import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const PYTHON = has('python3');
export const JQ = has('jq');

/** `describe` where `present`, else skipped with "(skipped: PROGRAM not found on PATH)" in its name. */
export function describeWith(present: boolean, program: string): (name: string, fn: () => void) => void {
  return present
    ? describe
    : (name, fn) => describe.skip(`${name} (skipped: ${program} not found on PATH)`, fn);
}
