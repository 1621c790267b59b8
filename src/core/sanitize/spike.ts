/** The spike check of a candle, trade or quote series, in time order, over its rolling median and MAD. */

import type { Entry, Series } from './entries.js';
import type { SanitizeOptions } from './options.js';
import type { Problems } from './problems.js';

/**
 * A spike is a price far from the rolling median of recent reference prices (candle close, trade
 * price, quote mid) that reverts. A move whose reference price stays far away for `spikePersist`
 * records in a row is a new level, not a spike: the window is re-centred on it and the record that
 * confirms it passes (the ones before it in the run were already reported as spikes).
 */
export function spikeCheck(e: Entry, s: Series, options: SanitizeOptions, problems: Problems): boolean {
  const mad = s.mad!;
  const rec = e.rec;
  const k = options.spike!;
  let values: number[];
  let reference: number;
  if (rec.type === 'candle') {
    reference = rec.close as number;
    values = [reference, rec.open as number, rec.high as number, rec.low as number];
  } else if (rec.type === 'trade') {
    reference = rec.price as number;
    values = [reference];
  } else if (rec.type === 'quote') {
    values = [rec.bid_price as number, rec.ask_price as number];
    reference = (values[0]! + values[1]!) / 2;
  } else {
    return true;
  }
  if (!mad.full) {
    mad.push(reference);
    return true;
  }
  const median = mad.median();
  const scale = Math.max(mad.mad(), ((options.spikeFloorBps ?? 10) / 10_000) * median);
  const referenceOut = Math.abs(reference - median) / scale > k;
  if (referenceOut) {
    s.outliers.push(reference);
    if (s.outliers.length >= (options.spikePersist ?? 3)) {
      const level = s.outliers.slice().sort((a, b) => a - b)[s.outliers.length >> 1]!;
      mad.shift(level - median);
      s.outliers.length = 0;
      mad.push(reference);
      return true;
    }
  } else {
    s.outliers.length = 0;
  }
  for (const x of values) {
    const distance = Math.abs(x - median) / scale;
    if (distance > k) {
      const message = `price ${x} is ${distance.toFixed(1)} MADs from the rolling median ${median} (limit ${k})`;
      if (!referenceOut) mad.push(reference);
      return problems.handle('spike', rec, message, e);
    }
  }
  mad.push(reference);
  return true;
}
