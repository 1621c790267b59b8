/**
 * What happens when a check finds a problem: it is counted in the report with its first examples,
 * and its class's action is applied (the record goes on, is flagged, is dropped, or the run fails
 * with a SanitizeFailure).
 */

import { DataError } from '../errors.js';
import { lineOf, type WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import type { Entry } from './entries.js';
import type { Policy, ProblemClass } from './policy.js';
import type { SanitizeReport } from './report.js';

/** Thrown for a problem whose class has the `fail` action. */
export class SanitizeFailure extends DataError {}

export class Problems {
  constructor(
    private readonly report: SanitizeReport,
    private readonly policy: Policy,
    private readonly examples: number,
    private readonly source: string,
  ) {}

  /**
   * Counts a problem and applies its class's action. Returns true when the record goes on (keep, flag,
   * fix), false when it is dropped; throws for fail.
   */
  handle(cls: ProblemClass, rec: WireRecord | undefined, message: string, entry?: Entry): boolean {
    const action = this.policy[cls];
    const line = rec === undefined ? undefined : lineOf(rec);
    let count = this.report.problems[cls];
    if (count === undefined) {
      count = { count: 0, action, examples: [] };
      this.report.problems[cls] = count;
    }
    count.count++;
    // The message quotes the record (its symbol, its values): escaped, so a report line is one line.
    if (count.examples.length < this.examples) count.examples.push({ line, message: escapeText(message) });
    if (action === 'fail') {
      throw new SanitizeFailure(`${this.source}:${line ?? '?'}`, `${cls}: ${message} (--policy ${cls}=fail)`);
    }
    if (action === 'flag' && entry !== undefined) {
      if (entry.flags === undefined) entry.flags = [cls];
      else entry.flags.push(cls);
    }
    return action !== 'drop';
  }
}
