/** The options of a sanitize pass (the `sanitize` command's flags), each with what it means. */

import type { Calendar } from './calendar.js';
import type { Policy } from './policy.js';

export interface SanitizeOptions {
  readonly policy?: Policy;
  /** Sort within a buffer of this many records (0 = no reordering). */
  readonly reorderWindow?: number;
  /** Spike threshold in rolling MADs (undefined = no spike check). */
  readonly spike?: number;
  /** Values in the rolling spike window. */
  readonly spikeWindow?: number;
  /** Smallest MAD used, in basis points of the median (a flat market has MAD 0). */
  readonly spikeFloorBps?: number;
  /** Records a move must hold for to count as a new price level rather than a spike. */
  readonly spikePersist?: number;
  /** Most synthetic candles inserted for one gap. */
  readonly maxFill?: number;
  /** The open times a candle series is expected to have (default 24x7: every one). */
  readonly calendar?: Calendar;
  /** Recent keys remembered per series to tell duplicates from out-of-order records. */
  readonly dedupeMemory?: number;
  /** Input name for messages (`stdin`, a path). */
  readonly source?: string;
  /** Examples kept per problem class in the report. */
  readonly examples?: number;
}
