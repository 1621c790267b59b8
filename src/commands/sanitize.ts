import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { commonFlags, inputFlags, quietFlag, TickpipeCommand } from '../cli/base.js';
import { TickpipeError, UsageError } from '../core/errors.js';
import { wholeFile } from '../core/io/whole-file.js';
import { CALENDARS, parseCalendar } from '../core/sanitize/calendar.js';
import { parsePolicy } from '../core/sanitize/policy.js';
import { describeClasses, formatReport } from '../core/sanitize/report.js';
import { Sanitizer, sanitize } from '../core/sanitize/sanitize.js';

export default class Sanitize extends TickpipeCommand {
  static override summary = 'Validate and clean normalised records in one streaming pass.';

  static override description =
    `Checks every record against the wire format (docs/format.md) and the problems below, applies the --policy for each problem class, and writes the records that pass (a record that needs no change is written as the bytes it came in as). Records of types it does not check pass through unchanged. A report goes to stderr (counts per problem class, with the first examples and their line numbers) and, with --report FILE, as JSON. Epoch times in milliseconds and microseconds are told apart by magnitude and written as ISO-8601; decimal strings become numbers.

Problem classes:
${describeClasses()}

--policy ACTION sets every class that allows it; --policy CLASS=ACTION sets one (repeatable or comma-separated). --strict makes any problem found exit 1. docs/sanitize.md has the details.`;

  static override examples = [
    {
      description: 'Clean a file and keep the report',
      command: '<%= config.bin %> <%= command.id %> candles.ndjson --report report.json > clean.ndjson',
    },
    {
      description: 'Sort records that arrive up to 1000 records late, fill gaps, and fail on anything else',
      command:
        '<%= config.bin %> <%= command.id %> --reorder-window 1000 --fill-gaps flat --policy fail --policy gap=fix < in.ndjson',
    },
    {
      description: 'Drop prices more than 12 rolling MADs from the median of the last 50',
      command: '<%= config.bin %> <%= command.id %> --spike 12 --policy spike=drop trades.ndjson.gz',
    },
    {
      description: 'Daily stock candles: no weekend gaps',
      command: '<%= config.bin %> <%= command.id %> orcl.ndjson --calendar weekdays',
    },
    {
      description:
        "Five-minute index candles of a 09:05-17:35 UTC session (backtrader's 2006-min-005.txt): no overnight or weekend gaps",
      command:
        '<%= config.bin %> <%= command.id %> index-5m.ndjson --calendar weekdays --session 09:05-17:35 --fill-gaps flat',
    },
    {
      description: 'In a pipeline',
      command:
        '<%= config.bin %> generate candles --count 1440 | <%= config.bin %> <%= command.id %> --strict',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Input file of records (NDJSON, optionally gzip); - or none for stdin.',
      // oclif would otherwise read piped stdin as the argument's value, swallowing the data.
      ignoreStdin: true,
    }),
  };

  static override flags = {
    policy: Flags.string({
      description:
        'What to do with a problem: ACTION for every class, or CLASS=ACTION (drop, fix, fail, keep, flag).',
      multiple: true,
      multipleNonGreedy: true,
      default: [],
    }),
    'reorder-window': Flags.integer({
      description:
        'Sort records by time within a buffer of this many records (0 = report and drop late ones).',
      default: 0,
      min: 0,
    }),
    'fill-gaps': Flags.string({
      description:
        'Fill missing candles: flat inserts zero-volume candles at the previous close, marked "synthetic": true.',
      options: ['none', 'flat'],
      default: 'none',
    }),
    calendar: Flags.string({
      description:
        'The open times candles are expected at, for gaps and --fill-gaps: 24x7 (every one), weekdays (none on Saturday or Sunday, UTC).',
      options: [...CALENDARS],
      default: '24x7',
    }),
    session: Flags.string({
      description:
        'Session hours in UTC, HH:MM-HH:MM (14:30-21:00): candles shorter than a day are expected only inside them.',
    }),
    'max-fill': Flags.integer({
      description: 'Most candles inserted for one gap.',
      default: 100_000,
      min: 1,
    }),
    spike: Flags.string({
      description:
        'Check prices against the rolling median: a spike is more than K rolling median absolute deviations away.',
    }),
    'spike-window': Flags.integer({
      description: 'Values in the rolling spike window, per series.',
      default: 50,
      min: 3,
    }),
    'spike-persist': Flags.integer({
      description: 'Records a price move must hold for to count as a new level, not a spike.',
      default: 3,
      min: 2,
    }),
    'spike-floor-bps': Flags.string({
      description:
        'Smallest deviation the spike check uses, in basis points of the median (a flat market has MAD 0).',
      default: '10',
    }),
    report: Flags.string({ description: 'Also write the report as JSON to this file.' }),
    strict: Flags.boolean({ description: 'Exit 1 when any problem was found.', default: false }),
    quiet: quietFlag('No report on stderr (errors are still shown).'),
    ...inputFlags,
    ...commonFlags,
  };

  protected override async main(): Promise<void> {
    const { args, flags } = await this.parse(Sanitize);
    const specs = [...flags.policy];
    if (flags['fill-gaps'] === 'flat') specs.push('gap=fix');
    const policy = parsePolicy(specs);
    let spike: number | undefined;
    if (flags.spike !== undefined) {
      spike = Number(flags.spike);
      if (!(spike > 0))
        throw new UsageError(`--spike: expected a positive number of MADs, found "${flags.spike}"`);
    }
    const floor = Number(flags['spike-floor-bps']);
    if (!(floor >= 0))
      throw new UsageError(`--spike-floor-bps: expected a number >= 0, found "${flags['spike-floor-bps']}"`);
    const input = this.records(args.file, flags);
    const sanitizer = new Sanitizer({
      policy,
      reorderWindow: flags['reorder-window'],
      maxFill: flags['max-fill'],
      calendar: parseCalendar(flags.calendar, flags.session),
      spikeWindow: flags['spike-window'],
      spikePersist: flags['spike-persist'],
      spikeFloorBps: floor,
      source: this.inputName,
      ...(spike === undefined ? {} : { spike }),
    });
    try {
      await this.write(sanitize(input, sanitizer));
    } finally {
      // The JSON report is written also when the run fails: it says what was found up to there.
      if (flags.report !== undefined) writeReport(flags.report, sanitizer.report);
    }
    const problems = Object.values(sanitizer.report.problems).reduce((n, p) => n + (p?.count ?? 0), 0);
    this.summary(formatReport(sanitizer.report, this.inputName), flags.quiet, problems > 0);
    if (flags.strict && problems > 0) {
      throw new TickpipeError(`--strict: ${problems} problem${problems === 1 ? '' : 's'} found`);
    }
  }
}

/** Writes the JSON report whole or not at all: a temporary file renamed into place. */
function writeReport(path: string, report: object): void {
  const file = wholeFile(path);
  try {
    writeFileSync(file.path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    file.abandon();
    throw error;
  }
  file.commit();
}
