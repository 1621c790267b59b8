import { escapeText } from '../records/text.js';
import { CLASS_INFO, PROBLEM_CLASSES } from './policy.js';
import type { SanitizeReport } from './sanitize.js';

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
