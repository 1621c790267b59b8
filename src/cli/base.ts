/**
 * The one base command: it owns input, output, signals and exit codes, so commands stay thin (parse
 * flags, build options, call one core function).
 *
 * Exit codes (docs/cli.md): 0 success, also when the reader went away (EPIPE from `| head`); 1 data or
 * runtime error, or bad lines skipped with --on-error skip|warn without --allow-errors; 2 usage error;
 * 130 after SIGINT, 143 after SIGTERM (the run flushes what it owes first; a second signal exits at
 * once). Data goes to stdout only, diagnostics to stderr only, and the process is never exited after
 * data was written: the exit code is set and the command returns.
 */

import type { Writable } from 'node:stream';
import { Command, Flags, type Interfaces } from '@oclif/core';
import { StopRequested, TickpipeError } from '../core/errors.js';
import { type Input, openInput, type StdinLike } from '../core/io/input.js';
import { DEFAULT_MAX_LINE_BYTES, ErrorPolicy, type OnError } from '../core/io/lines.js';
import { readRecords, writeAll } from '../core/io/pipeline.js';
import type { ByteStream, RecordStream } from '../core/io/stream.js';
import { FORMATS, type Format, TableFormatter } from '../core/io/table.js';
import { NdjsonWriter } from '../core/io/writer.js';
import { COLOUR_MODES, colourFor, colourModeFromArgv, setColourMode } from './colour.js';
import { Progress, type ProgressInput, progressWanted, stdinKind } from './progress.js';
import { didYouMean } from './suggest.js';

export interface Io {
  readonly stdin: StdinLike;
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
  /** Receives the exit code instead of process.exitCode (in-process tests). */
  readonly setExitCode?: (code: number) => void;
  /** Install SIGINT/SIGTERM handlers (off in in-process tests). */
  readonly signals?: boolean;
}

let ioOverride: Io | undefined;

/**
 * oclif rethrows every error event of process.stdout but EPIPE, which turns a full disk
 * (`> /dev/full`) into an uncaught stack trace. The writer reports write errors itself (one
 * located message, exit 1), so the process's stdout gets a listener that leaves them to it.
 */
function leaveStdoutErrorsToTheWriter(): void {
  const stdout = process.stdout;
  if ((stdout as { tickpipeQuiet?: boolean }).tickpipeQuiet === true) return;
  for (const listener of stdout.listeners('error')) stdout.off('error', listener as () => void);
  stdout.on('error', () => {});
  (stdout as { tickpipeQuiet?: boolean }).tickpipeQuiet = true;
}

/** Replaces the process's streams, for in-process tests. Pass undefined to restore them. */
export function setIo(io: Io | undefined): void {
  ioOverride = io;
}

function currentIo(): Io {
  return (
    ioOverride ?? {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      signals: true,
    }
  );
}

/** Flags shared by every command that reads records. */
export const inputFlags = {
  'on-error': Flags.string({
    description:
      'What to do with a bad input line (invalid JSON, no "type"): fail at the first, skip it silently, or warn on stderr and go on. skip and warn still exit 1 at the end unless --allow-errors.',
    options: ['fail', 'skip', 'warn'],
    default: 'fail',
    helpGroup: 'INPUT',
  }),
  'allow-errors': Flags.boolean({
    description: 'Exit 0 even when bad lines were skipped (with --on-error skip|warn).',
    default: false,
    helpGroup: 'INPUT',
  }),
  'max-line-bytes': Flags.integer({
    description: 'Longest input line accepted, in bytes; a longer one is an error, not an out-of-memory.',
    default: DEFAULT_MAX_LINE_BYTES,
    min: 1,
    helpGroup: 'INPUT',
  }),
};

/** The values of `inputFlags` (and `progress`) a command passes on when it opens its input. */
interface InputFlags {
  'on-error': string;
  'allow-errors': boolean;
  'max-line-bytes': number;
  progress?: boolean | undefined;
}

/** Flags shared by every command. */
export const commonFlags = {
  progress: Flags.boolean({
    description:
      'Show progress on stderr: the input read, with percentage and ETA for a FILE (default: on a terminal, by the first stage of a pipeline only, never in CI).',
    allowNo: true,
    helpGroup: 'OUTPUT',
  }),
  format: Flags.string({
    description:
      'Output records as ndjson, or as csv or tsv rows: nested fields flattened with dots, the header from the first record (docs/cli.md, "Tables").',
    options: [...FORMATS],
    default: 'ndjson',
    helpGroup: 'OUTPUT',
  }),
  color: Flags.string({
    description:
      'Colour on stderr and in tables: auto (a terminal, honouring NO_COLOR, FORCE_COLOR and TERM=dumb), always, never.',
    options: [...COLOUR_MODES],
    default: 'auto',
    aliases: ['colour'],
    helpGroup: 'OUTPUT',
  }),
};

/** oclif's FlagOutput and ArgOutput (not exported by @oclif/core). */
type ParsedValues = { [name: string]: unknown };

/**
 * `-q/--quiet` for a command that prints a one-line summary of its run on stderr. Not given, the
 * summary shows on a terminal and is left out elsewhere (cron mail, CI logs) unless it reports a
 * problem; `--no-quiet` always shows it, `-q` never. Warnings and errors print either way.
 */
export function quietFlag(what: string, exclusive: string[] = []) {
  return Flags.boolean({
    char: 'q',
    exclusive,
    description: `${what} Not given: the summary shows on a terminal, or when it reports a problem; --no-quiet: always.`,
    allowNo: true,
    helpGroup: 'OUTPUT',
  });
}

export abstract class TickpipeCommand extends Command {
  protected io: Io = currentIo();
  protected readonly abort = new AbortController();
  private signalCode = 0;
  private writer: NdjsonWriter | undefined;
  private progress: Progress | undefined;
  private policy: ErrorPolicy | undefined;
  private input: Input | undefined;
  private allowErrors = false;
  private format: Format = 'ndjson';

  /** The command's work: parse flags, call the core, write the result with `write`. */
  protected abstract main(): Promise<void>;

  override async run(): Promise<void> {
    this.io = currentIo();
    // Decided before parsing, so that a usage error is coloured (or not) as asked.
    setColourMode(colourModeFromArgv(this.argv) ?? 'auto');
    if (this.io.stdout === process.stdout) leaveStdoutErrorsToTheWriter();
    const onSignal = (signal: NodeJS.Signals): void => {
      const code = signal === 'SIGINT' ? 130 : 143;
      if (this.signalCode !== 0) process.exit(code);
      this.signalCode = code;
      this.abort.abort(new StopRequested(signal));
    };
    if (this.io.signals === true) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    let code = 0;
    try {
      await this.main();
      code = this.closingCode();
    } catch (error) {
      code = this.reportError(error);
    } finally {
      this.input?.close();
      this.progress?.stop();
      this.writer?.release();
      if (this.io.signals === true) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
    if (this.signalCode !== 0 && code === 0) code = this.signalCode;
    if (this.io.setExitCode) this.io.setExitCode(code);
    else process.exitCode = code;
  }

  /** Parses as oclif does, keeping the shared --format for the writer. */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    const format = (parsed.flags as { format?: unknown }).format;
    if (typeof format === 'string' && (FORMATS as readonly string[]).includes(format))
      this.format = format as Format;
    return parsed;
  }

  /** Opens the FILE argument (or stdin) as a stream of records, with the shared input flags. */
  protected records(file: string | undefined, flags: InputFlags): RecordStream {
    const { input, policy, maxLineBytes } = this.rawInput(file, flags);
    return readRecords(input, policy, maxLineBytes);
  }

  /**
   * Opens the FILE argument (or stdin) as bytes, with the shared input flags, for a command whose
   * core reads the lines itself (orderbook's byte path); its bad lines go to `policy`.
   */
  protected rawInput(
    file: string | undefined,
    flags: InputFlags,
  ): { input: Input; policy: ErrorPolicy; maxLineBytes: number } {
    this.allowErrors = flags['allow-errors'];
    const input = openInput(file, this.io.stdin, this.abort.signal);
    this.input = input;
    this.policy = new ErrorPolicy(flags['on-error'] as OnError, (m) => this.warn(m));
    this.startProgress(flags.progress, input);
    return { input, policy: this.policy, maxLineBytes: flags['max-line-bytes'] };
  }

  /** For commands that read records other than through `records`: counts skipped bad lines the same way. */
  protected useErrorPolicy(policy: ErrorPolicy, allowErrors: boolean): void {
    this.policy = policy;
    this.allowErrors = allowErrors;
  }

  /** The name of the input, for messages. */
  protected get inputName(): string {
    return this.input?.name ?? 'stdin';
  }

  /**
   * Starts the progress line if this process is the one to draw it (progress.ts: the head of a
   * pipeline, stderr a terminal, not in CI, or as --progress says). `total`: the records expected, for
   * a command without input that knows how many it will write.
   */
  protected startProgress(
    enabled: boolean | undefined,
    input?: ProgressInput,
    detail?: () => string,
    total?: number,
  ): void {
    const on = progressWanted({
      flag: enabled,
      stderrIsTTY: this.io.stderr.isTTY === true,
      ci: process.env.CI,
      stdin: stdinKind(this.io.stdin),
      readsFile: input?.size !== undefined,
      readsStdin: input !== undefined && input.size === undefined,
    });
    if (!on) return;
    this.progress = new Progress(this.io.stderr, this.id ?? 'tickpipe', { input, detail, total });
  }

  /** Writes a stream of records (or of serialised batches) to stdout, honouring backpressure, until it ends or stdout closes. */
  protected async write(stream: RecordStream | ByteStream): Promise<void> {
    this.writer ??= new NdjsonWriter(
      this.io.stdout,
      () => this.abort.abort(new StopRequested('EPIPE')),
      this.format === 'ndjson' ? undefined : new TableFormatter(this.format),
    );
    const progress = this.progress;
    await writeAll(stream, this.writer, progress ? (n) => progress.count(n) : undefined);
    await this.writer.flush();
  }

  /** Writes human text (not records) to stdout, with the same EPIPE handling as `write`. */
  protected async writeText(text: string): Promise<void> {
    this.writer ??= new NdjsonWriter(this.io.stdout, () => this.abort.abort(new StopRequested('EPIPE')));
    await this.writer.writeLines([text.replace(/\n$/, '')]);
    await this.writer.flush();
  }

  /** True when stdout is a terminal (colour and tables are for people). */
  protected get stdoutIsTTY(): boolean {
    return (this.io.stdout as { isTTY?: boolean }).isTTY === true;
  }

  /** True once stdout's reader has gone away. */
  protected get outputClosed(): boolean {
    return this.writer?.closed === true;
  }

  /**
   * The run's summary on stderr, as `quietFlag` says: `quiet` is the flag as given (undefined: not
   * given), `problems` whether the summary reports something that went wrong (then it matters off a
   * terminal too).
   */
  protected summary(message: string, quiet: boolean | undefined, problems = false): void {
    if (quiet === true || this.outputClosed) return;
    if (quiet === false || problems || this.io.stderr.isTTY === true) this.say(message);
  }

  /** A diagnostic line on stderr, prefixed with the command's name. */
  protected say(message: string): void {
    this.progress?.clear();
    this.io.stderr.write(`tickpipe ${this.id ?? ''}: ${message}\n`);
  }

  /** oclif's deprecation warnings, and one for an old spelling written `--old=value`, which oclif misses. */
  protected override warnIfFlagDeprecated(flags: Record<string, unknown>): void {
    super.warnIfFlagDeprecated(flags);
    for (const flag of Object.values(this.ctor.flags ?? {})) {
      if (flag.deprecateAliases !== true || !(flag.name in flags)) continue;
      for (const alias of flag.aliases ?? []) {
        if (!this.argv.some((a) => a.startsWith(`--${alias}=`))) continue;
        const to = `--${flag.name}${flag.char === undefined ? '' : ` | -${flag.char}`}`;
        this.warn(`The "--${alias}" flag has been deprecated. Use "${to}" instead.`);
      }
    }
  }

  override warn(input: string | Error): string | Error {
    this.say(
      `${colourFor(this.io.stderr).yellow('warning:')} ${typeof input === 'string' ? input : input.message}`,
    );
    return input;
  }

  private closingCode(): number {
    const policy = this.policy;
    if (policy !== undefined && policy.skipped > 0) {
      const allow = this.allowErrors;
      this.say(
        `${policy.skipped} bad line${policy.skipped === 1 ? '' : 's'} skipped (first: ${policy.firstProblem})${allow ? '' : '; exit 1 (use --allow-errors to exit 0)'}`,
      );
      return allow ? 0 : 1;
    }
    return 0;
  }

  private reportError(error: unknown): number {
    if (error instanceof StopRequested) return 0;
    if (error instanceof TickpipeError) {
      this.say(`${colourFor(this.io.stderr).red('error:')} ${error.message}`);
      return error.exitCode;
    }
    const oclifExit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (typeof oclifExit === 'number') {
      // A flag or argument the parser refused: a usage error, before any data was written.
      this.parsed = true; // it did parse, and failed: no "did not parse its arguments" warning
      this.say(
        `${colourFor(this.io.stderr).red('error:')} ${this.usageMessage((error as Error).message)}\nSee: tickpipe ${this.id ?? ''} --help`,
      );
      return oclifExit === 0 ? 0 : 2;
    }
    const e = error as Error;
    this.say(`${colourFor(this.io.stderr).red('internal error:')} ${e.stack ?? e.message}`);
    return 1;
  }

  /** oclif's message for a refused flag, with a "did you mean" for a mistyped flag name. */
  private usageMessage(message: string): string {
    const text = message.replace(/\n+See more help with --help\s*$/, '');
    const m = /^Nonexistent flags?: --([\w-]+)/.exec(text);
    if (m === null) return text;
    const hint = didYouMean(m[1] ?? '', Object.keys(this.ctor.flags ?? {}), '--');
    return hint === '' ? text : `${text}.${hint}`;
  }
}
