/**
 * The venues' sequencing rules for book updates (docs/orderbook.md), one checker per book.
 *
 * After a snapshot whose last update id is L:
 * - Binance spot: drop updates with final id u <= L; the first applied must straddle L+1
 *   (U <= L+1 <= u); after that each U must be the previous u + 1.
 * - Binance USD-M and COIN-M futures: drop u < L; the first applied has U <= L <= u; after that each
 *   update's pu must equal the previous u.
 * - Bybit v5: deltas have consecutive u (the previous u + 1); u <= the last is stale and dropped.
 *   (A message with u = 1 is a restart: the parsers turn it into a snapshot.)
 * - Any other venue: prev_sequence, when given, must equal the previous sequence; else
 *   first_sequence, when given, must be the previous + 1; else the sequence must increase.
 */

export type Verdict = 'apply' | 'stale' | 'gap' | 'unsynced';

export type Rule = 'binance_spot' | 'binance_futures' | 'bybit' | 'generic';

export function ruleFor(exchange: string): Rule {
  if (exchange === 'binance_spot') return 'binance_spot';
  if (exchange === 'binance_futures_usd' || exchange === 'binance_futures_coin') return 'binance_futures';
  if (exchange.startsWith('bybit')) return 'bybit';
  return 'generic';
}

export interface Update {
  readonly sequence: number;
  readonly first?: number | undefined;
  readonly prev?: number | undefined;
}

export class Sequencer {
  private synced = false;
  private first = true;
  /** The last applied update id (or the snapshot's). */
  last = 0;
  /** What the last gap expected and found, for the disconnect record. */
  expected: number | undefined;
  found: number | undefined;

  constructor(readonly rule: Rule) {}

  get isSynced(): boolean {
    return this.synced;
  }

  snapshot(sequence: number): void {
    this.synced = true;
    this.first = true;
    this.last = sequence;
  }

  /** Loses sync (after a gap): nothing applies until the next snapshot. */
  reset(): void {
    this.synced = false;
  }

  /** Records a gap (what was expected and found) and loses sync. */
  private gap(expected: number, found: number): Verdict {
    this.expected = expected;
    this.found = found;
    this.synced = false;
    return 'gap';
  }

  check(u: Update): Verdict {
    if (!this.synced) return 'unsynced';
    const L = this.last;
    let verdict: Verdict;
    switch (this.rule) {
      case 'binance_spot': {
        if (u.sequence <= L) return 'stale';
        const first = u.first ?? u.sequence;
        if (this.first) verdict = first <= L + 1 ? 'apply' : this.gap(L + 1, first);
        else verdict = first === L + 1 ? 'apply' : this.gap(L + 1, first);
        break;
      }
      case 'binance_futures': {
        if (this.first) {
          if (u.sequence < L) return 'stale';
          const first = u.first ?? u.sequence;
          verdict = first <= L ? 'apply' : this.gap(L, first);
        } else {
          if (u.sequence <= L) return 'stale';
          const prev = u.prev ?? (u.first === undefined ? undefined : u.first - 1);
          verdict = prev === undefined || prev === L ? 'apply' : this.gap(L, prev ?? u.sequence);
        }
        break;
      }
      case 'bybit': {
        if (u.sequence <= L) return 'stale';
        verdict = u.sequence === L + 1 ? 'apply' : this.gap(L + 1, u.sequence);
        break;
      }
      default: {
        if (u.prev !== undefined) verdict = u.prev === L ? 'apply' : this.gap(L, u.prev);
        else if (u.first !== undefined) verdict = u.first === L + 1 ? 'apply' : this.gap(L + 1, u.first);
        else if (u.sequence <= L) return 'stale';
        else verdict = 'apply';
      }
    }
    if (verdict === 'apply') {
      this.first = false;
      this.last = u.sequence;
    }
    return verdict;
  }
}
