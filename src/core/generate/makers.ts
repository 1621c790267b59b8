/**
 * The records `generate` makes, one maker per kind (candles, trades, quotes, book updates), each
 * advancing the shared price model (model.ts) and building its record with its JSON text.
 */

import { addInterval } from '../records/interval.js';
import { attachOrigin, type WireRecord } from '../records/record.js';
import { formatTime, US_PER_DAY, US_PER_MS, US_PER_SECOND } from '../records/time.js';
import type { GenerateOptions } from './generate.js';
import { Grid, type PriceState, step } from './model.js';

function withText<T extends object>(record: T, text: string): WireRecord {
  attachOrigin(record, 0, text);
  return record as unknown as WireRecord;
}

export function candleMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const interval = o.interval;
  const intervalText = JSON.stringify(interval.text);
  let openUs = o.fromUs;
  let openIndex = prices.index(Math.exp(s.logPrice));
  return () => {
    const closeUs = addInterval(openUs, interval);
    const dtUs = closeUs - openUs;
    const start = s.logPrice;
    const variance = step(s, o, dtUs);
    const r = s.logPrice - start;
    // Extremes of a Brownian bridge from 0 to r with variance v: max = (r + sqrt(r^2 - 2 v ln U)) / 2.
    const maxLog = (r + Math.sqrt(r * r - 2 * variance * Math.log(s.rng.uniformPositive()))) / 2;
    const minLog = (r - Math.sqrt(r * r - 2 * variance * Math.log(s.rng.uniformPositive()))) / 2;
    const closeIndex = prices.index(Math.exp(s.logPrice));
    const highIndex = Math.max(prices.index(Math.exp(start + maxLog)), openIndex, closeIndex);
    const lowIndex = Math.min(prices.index(Math.exp(start + minLog)), openIndex, closeIndex);
    const open = prices.value(openIndex);
    const high = prices.value(highIndex);
    const low = prices.value(lowIndex);
    const close = prices.value(closeIndex);
    // Volume: lognormal around the mean, larger when the candle moved more than usual.
    const meanVolume = (o.dailyNotional * (dtUs / US_PER_DAY)) / close;
    const surprise = variance > 0 ? Math.abs(r) / Math.sqrt(variance) : 0;
    const volumeIndex = lots.index(
      meanVolume * Math.exp(0.4 * s.rng.normal() - 0.08) * (0.6 + 0.5 * surprise),
      0,
    );
    const volume = lots.value(volumeIndex);
    const takerBuy = lots.value(Math.round(volumeIndex * (0.35 + 0.3 * s.rng.uniform())));
    const typical = (open + high + low + close) / 4;
    const quoteVolume = Math.round(volume * typical * 1e4) / 1e4;
    const trades = volumeIndex === 0 ? 0 : Math.max(1, Math.round((volume * typical) / 2500));
    const openTime = formatTime(openUs);
    const time = formatTime(closeUs);
    const record = {
      type: 'candle',
      time,
      exchange: o.exchange,
      symbol: o.symbol,
      interval: interval.text,
      open_time: openTime,
      open,
      high,
      low,
      close,
      volume,
      quote_volume: quoteVolume,
      trades,
      taker_buy_volume: takerBuy,
    };
    const text = `{"type":"candle","time":"${time}",${head},"interval":${intervalText},"open_time":"${openTime}","open":${open},"high":${high},"low":${low},"close":${close},"volume":${volume},"quote_volume":${quoteVolume},"trades":${trades},"taker_buy_volume":${takerBuy}}`;
    openUs = closeUs;
    openIndex = closeIndex;
    return withText(record, text);
  };
}

/** Arrival times in whole milliseconds, exponential gaps, never going backwards. */
function arrivals(o: GenerateOptions, s: PriceState): () => [number, number] {
  let t = o.fromUs;
  const meanUs = US_PER_SECOND / o.rate;
  return () => {
    const prev = t;
    t = Math.max(t, Math.round((t + s.rng.exponential(meanUs)) / US_PER_MS) * US_PER_MS);
    return [t, t - prev];
  };
}

export function tradeMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const meanNotional = o.dailyNotional / (o.rate * 86400);
  let id = 0;
  let lastIndex = prices.index(Math.exp(s.logPrice));
  return () => {
    const [t, dt] = next();
    step(s, o, dt);
    const index = prices.index(Math.exp(s.logPrice));
    const side =
      index > lastIndex ? 'buy' : index < lastIndex ? 'sell' : s.rng.uniform() < 0.5 ? 'buy' : 'sell';
    lastIndex = index;
    const price = prices.value(index);
    const amount = lots.value(lots.index((meanNotional / price) * s.rng.exponential(1)));
    id++;
    const time = formatTime(t);
    const record = { type: 'trade', time, exchange: o.exchange, symbol: o.symbol, id, price, amount, side };
    const text = `{"type":"trade","time":"${time}",${head},"id":${id},"price":${price},"amount":${amount},"side":"${side}"}`;
    return withText(record, text);
  };
}

export function quoteMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const meanAmount = o.dailyNotional / 86400 / o.price;
  return () => {
    const [t, dt] = next();
    step(s, o, dt);
    const mid = Math.exp(s.logPrice) / o.tickSize;
    let spread = 1;
    while (spread < 8 && s.rng.uniform() < 0.35) spread++;
    const bidIndex = Math.max(1, Math.floor(mid - spread / 2));
    const bidPrice = prices.value(bidIndex);
    const askPrice = prices.value(bidIndex + spread);
    const bidAmount = lots.value(lots.index(meanAmount * s.rng.exponential(1)));
    const askAmount = lots.value(lots.index(meanAmount * s.rng.exponential(1)));
    const time = formatTime(t);
    const record = {
      type: 'quote',
      time,
      exchange: o.exchange,
      symbol: o.symbol,
      bid_price: bidPrice,
      bid_amount: bidAmount,
      ask_price: askPrice,
      ask_amount: askAmount,
    };
    const text = `{"type":"quote","time":"${time}",${head},"bid_price":${bidPrice},"bid_amount":${bidAmount},"ask_price":${askPrice},"ask_amount":${askAmount}}`;
    return withText(record, text);
  };
}

/**
 * Book updates on a contiguous ladder: bids occupy ticks [bid - depth + 1, bid], asks [ask, ask + depth
 * - 1], ask > bid. An update changes 1..maxLevelsPerUpdate levels: amounts near the top change most
 * often, and the price moves by a tick (the best level on one side empties and the ladder shifts, the
 * far end following so each side keeps `depth` levels). The first record is a snapshot.
 */
export function bookMaker(o: GenerateOptions, s: PriceState, head: string): () => WireRecord {
  const prices = new Grid(o.tickSize);
  const lots = new Grid(o.lotSize);
  const next = arrivals(o, s);
  const depth = o.depth;
  const meanAmount = o.dailyNotional / 86400 / o.price;
  const amount = (): number => lots.value(lots.index(meanAmount * s.rng.exponential(1)));
  let bid = prices.index(o.price) - 1;
  let ask = bid + 2;
  let sequence = 0;
  let first = true;
  const target = (): number => Math.round(Math.exp(s.logPrice) / o.tickSize);
  return () => {
    const [t, dt] = next();
    const time = formatTime(t);
    if (first) {
      first = false;
      sequence = 1;
      const bids: [number, number][] = [];
      const asks: [number, number][] = [];
      for (let i = 0; i < depth; i++) bids.push([prices.value(bid - i), amount()]);
      for (let i = 0; i < depth; i++) asks.push([prices.value(ask + i), amount()]);
      return bookRecord(o, head, time, true, bids, asks, sequence, undefined, undefined);
    }
    step(s, o, dt);
    const bidChanges = new Map<number, number>();
    const askChanges = new Map<number, number>();
    const k = s.rng.int(1, o.maxLevelsPerUpdate);
    let updates = 0;
    while (updates < k) {
      const goal = target();
      if (goal > bid + 1 && ask - bid === 1) {
        // Price up: the best ask empties, the ask ladder shifts up one tick.
        askChanges.set(ask, 0);
        askChanges.set(ask + depth, amount());
        ask++;
        updates += 2;
      } else if (goal < ask - 1 && ask - bid === 1 && bid - depth > 1) {
        // Price down: the best bid empties.
        bidChanges.set(bid, 0);
        bidChanges.set(bid - depth, amount());
        bid--;
        updates += 2;
      } else if (ask - bid > 1) {
        // A gap between the sides fills from the side the price moved towards.
        if (goal >= (ask + bid) / 2) {
          bid++;
          bidChanges.set(bid, amount());
          bidChanges.set(bid - depth, 0);
        } else {
          ask--;
          askChanges.set(ask, amount());
          askChanges.set(ask + depth, 0);
        }
        updates += 2;
      } else {
        // Size changes, most often near the top of the book.
        const offset = Math.min(depth - 1, Math.floor(s.rng.exponential(depth / 8)));
        if (s.rng.uniform() < 0.5) bidChanges.set(bid - offset, amount());
        else askChanges.set(ask + offset, amount());
        updates++;
      }
    }
    const prev = sequence;
    sequence += updates;
    const bids = [...bidChanges].map(([i, a]): [number, number] => [prices.value(i), a]);
    const asks = [...askChanges].map(([i, a]): [number, number] => [prices.value(i), a]);
    return bookRecord(o, head, time, false, bids, asks, sequence, prev + 1, prev);
  };
}

function levelsText(levels: readonly [number, number][]): string {
  let text = '[';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    text += `${i === 0 ? '' : ','}[${l[0]},${l[1]}]`;
  }
  return `${text}]`;
}

function bookRecord(
  o: GenerateOptions,
  head: string,
  time: string,
  snapshot: boolean,
  bids: [number, number][],
  asks: [number, number][],
  sequence: number,
  firstSequence: number | undefined,
  prevSequence: number | undefined,
): WireRecord {
  const record: Record<string, unknown> = {
    type: 'book',
    time,
    exchange: o.exchange,
    symbol: o.symbol,
    snapshot,
    bids,
    asks,
    sequence,
  };
  let text = `{"type":"book","time":"${time}",${head},"snapshot":${snapshot},"bids":${levelsText(bids)},"asks":${levelsText(asks)},"sequence":${sequence}`;
  if (firstSequence !== undefined && prevSequence !== undefined) {
    record.first_sequence = firstSequence;
    record.prev_sequence = prevSequence;
    text += `,"first_sequence":${firstSequence},"prev_sequence":${prevSequence}`;
  }
  return withText(record, `${text}}`);
}
