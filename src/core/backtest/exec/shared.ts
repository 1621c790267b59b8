/**
 * The memory the engine's thread and the watchdog worker share (watchdog.ts), one Int32Array slot
 * each. The engine's thread blocks in readSync while a strategy process thinks, so everything the
 * watchdog must know or tell goes through these slots, never through messages (which need an event
 * loop the engine's thread is not running).
 */

/** Bumped by the engine before each request: the watchdog times one request, not a run. */
export const SEQ = 0;
/** 1 while the engine writes a request or waits for its reply. */
export const WAITING = 1;
/** 0 starting, 1 the child is running (PID is set), 2 it could not be started. */
export const STATE = 2;
export const PID = 3;
/** 1 once the watchdog killed the child for not answering within TIMEOUT_MS. */
export const TIMED_OUT = 4;
/** 1 once the child was reaped; then EXIT_CODE (-1: by a signal) and EXIT_SIGNAL (its number, else 0). */
export const EXITED = 5;
export const EXIT_CODE = 6;
export const EXIT_SIGNAL = 7;
/** 1 once the child's stderr reached its end (all of it relayed). */
export const STDERR_DONE = 8;
export const TIMEOUT_MS = 9;
/** Bytes held in the stderr tail (at most TAIL_BYTES) and where the next byte goes. */
export const TAIL_LEN = 10;
export const TAIL_POS = 11;
export const SLOTS = 12;

/** The last words of the child's stderr kept for a crash message. */
export const TAIL_BYTES = 4096;

export const STATE_STARTING = 0;
export const STATE_RUNNING = 1;
export const STATE_FAILED = 2;

/** What the watchdog worker is given. */
export interface WatchdogData {
  /** The CPU to run the child on (affinity.ts), or undefined for no pinning. */
  readonly cpu?: number;
  readonly command: string;
  /** The child's stdin, stdout and stderr (FIFO ends opened by the engine's thread). */
  readonly stdio: readonly [number, number, number];
  /** The engine's read end of the child's stderr FIFO (non-blocking), which the watchdog reads. */
  readonly stderrFd: number;
  readonly state: SharedArrayBuffer;
  readonly tail: SharedArrayBuffer;
  /** How often the timeout is checked: a quarter of --strategy-timeout. */
  readonly tickMs: number;
  /** Prefix of each relayed stderr line. */
  readonly prefix: string;
}
