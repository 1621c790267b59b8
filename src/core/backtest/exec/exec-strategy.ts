/**
 * `--strategy exec:COMMAND`: a strategy that is a process speaking NDJSON (docs/strategy-protocol.md).
 * It implements the same synchronous Strategy interface as a module, with blocking pipe I/O
 * (process.ts), so the engine and sweep workers use it unchanged.
 */

import type { WireRecord } from '../../records/record.js';
import type { Decision, Strategy, StrategyContext } from '../strategy.js';
import { StrategyProcess, StrategyProcessError } from './process.js';
import {
  END_LINE,
  eventLine,
  type Hello,
  helloLine,
  MalformedReply,
  parseHello,
  parseReply,
} from './protocol.js';

export const EXEC_PREFIX = 'exec:';
/** The default of --strategy-timeout: how long one reply may take. */
export const DEFAULT_TIMEOUT_S = 10;
/** The hello may take longer than a reply (an interpreter starting, imports): at least this. */
export const HELLO_TIMEOUT_S = 30;

export interface ExecOptions {
  readonly params: Readonly<Record<string, unknown>>;
  readonly instruments?: readonly unknown[];
  readonly timeoutS?: number;
}

export class ExecStrategy implements Strategy {
  private readonly proc: StrategyProcess;
  readonly hello: Hello;
  private readonly wants: ReadonlySet<string>;

  /** Starts the process and exchanges `hello` (a failure closes it again and throws). */
  constructor(
    readonly command: string,
    options: ExecOptions,
  ) {
    const timeoutS = options.timeoutS ?? DEFAULT_TIMEOUT_S;
    this.proc = new StrategyProcess(command, Math.max(1, Math.round(timeoutS * 1000)));
    try {
      const line = helloLine(options.params, options.instruments ?? []);
      const reply = this.proc.ask(line, Math.max(timeoutS, HELLO_TIMEOUT_S) * 1000);
      this.hello = parseHello(reply, (t) => this.proc.excerpt(t));
    } catch (error) {
      this.proc.close(false);
      const what = error instanceof MalformedReply ? 'a malformed hello' : 'no hello';
      if (error instanceof MalformedReply || error instanceof StrategyProcessError)
        throw new StrategyProcessError(`--strategy exec:${command}: ${what}: ${error.message}`);
      throw error;
    }
    this.wants = this.hello.wants;
  }

  onRecord(rec: WireRecord, ctx: StrategyContext): Decision {
    if (!this.wants.has(rec.type)) return;
    return this.ask('record', rec, ctx);
  }

  onFill(fill: WireRecord, ctx: StrategyContext): Decision {
    if (!this.wants.has('fill')) return;
    return this.ask('fill', fill, ctx);
  }

  onDisconnect(rec: WireRecord, ctx: StrategyContext): Decision {
    if (!this.wants.has('disconnect')) return;
    return this.ask('disconnect', rec, ctx);
  }

  private ask(kind: 'record' | 'fill' | 'disconnect', rec: WireRecord, ctx: StrategyContext): Decision {
    // A failure is thrown; the engine names the event (its input line and the record).
    const reply = this.proc.ask(eventLine(kind, rec, ctx, this.hello));
    try {
      return parseReply(reply, (t) => this.proc.excerpt(t));
    } catch (error) {
      this.proc.close(false);
      throw new Error(`a malformed reply: ${(error as Error).message}`);
    }
  }

  /** The end of the run: `end` when it completed (`ended`), then the process is stopped and reaped. */
  close(ended: boolean): void {
    if (ended) this.proc.tell(END_LINE);
    this.proc.close(ended);
  }
}
