/**
 * The report of a sanitize pass: what it counted (records in and out, synthetic and reordered
 * records, each problem class with its action and first examples, written as JSON by --report),
 * and the human text of it and of the problem classes.
 */

import { escapeText } from '../records/text.js';
import { type Action, CLASS_INFO, PROBLEM_CLASSES, type ProblemClass } from './policy.js';

export interface ProblemExample {
  readonly line: number | undefined;
  readonly message: string;
}

export interface ProblemCount {
  count: number;
  action: Action;
  examples: ProblemExample[];
}

export interface SanitizeReport {
  records_in: number;
  records_out: number;
  synthetic: number;
  /** Records that arrived older than one before them and were put in order by the reorder window. */
  reordered: number;
  problems: Partial<Record<ProblemClass, ProblemCount>>;
}

const ACTION_TEXT = { drop: 'dropped', fix: 'fixed', fail: 'failed', keep: 'kept', flag: 'flagged' } as const;

/** The human report `sanitize` prints on stderr: one line when clean, a table of classes otherwise. */
export function formatReport(report: SanitizeReport, name: string): string {
  const source = escapeText(name);
  const lines: string[] = [];
  const found = PROBLEM_CLASSES.filter((c) => (report.problems[c]?.count ?? 0) > 0);
  const head = `${report.records_in.toLocaleString('en-US')} records read from ${source}, ${report.records_out.toLocaleString('en-US')} written`;
  const notes: string[] = [];
  if (report.synthetic > 0) notes.push(`${report.synthetic.toLocaleString('en-US')} synthetic`);
  if (report.reordered > 0) notes.push(`${report.reordered.toLocaleString('en-US')} put back in time order`);
  const synthetic = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  if (found.length === 0) return `${head}${synthetic}; no problems found`;
  lines.push(`${head}${synthetic}; problems found:`);
  const width = Math.max(...found.map((c) => c.length));
  for (const cls of found) {
    const p = report.problems[cls]!;
    const action = cls === 'gap' && p.action === 'fix' ? 'filled' : ACTION_TEXT[p.action];
    lines.push(`  ${cls.padEnd(width)}  ${String(p.count).padStart(8)}  ${action}`);
    for (const ex of p.examples) {
      lines.push(`  ${''.padEnd(width)}            ${source}:${ex.line ?? '?'}: ${ex.message}`);
    }
  }
  return lines.join('\n');
}

/** One line per class, for help text and docs. */
export function describeClasses(): string {
  return PROBLEM_CLASSES.map(
    (c) =>
      `${c}: ${CLASS_INFO[c].what}. Actions: ${CLASS_INFO[c].allowed.join('|')} (default ${CLASS_INFO[c].default}).`,
  ).join('\n');
}
