/**
 * `report` in a real browser: headless Chromium (Debian's chromium, driven by playwright-core) opens
 * the page from disk and the tests check, for a backtest of the shared ORCL daily data and for a
 * generated intraday run, that nothing failed (console errors, page errors, any request leaving the
 * file), that every chart drew (pixels of each series' own colour on its canvases, and the library's
 * own count of markers), that the tear sheet's numbers are summarize's, that the trade list has one
 * row per closed position and sorts, and that a screenshot can be taken. Where no browser can be had
 * the suite is skipped with the reason in its name.
 */

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserContext, browserUnavailable, launchBrowser } from '../src/core/report/browser.js';
import { parseLines, runCli } from './helpers/cli.js';
import { at, backtestFiles, cli, leafCount } from './helpers/report.js';
import { sharedDataDir, sharedFile } from './helpers/shared-data.js';

const why = await browserUnavailable();
const describeBrowser = (name: string, fn: () => void) =>
  why === undefined ? describe(name, fn) : describe.skip(`${name} (skipped: ${why})`, fn);

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-report-test-'));

interface ChartInfo {
  id: string;
  lib: string;
  series: Array<{ name: string; color: string; shaded?: number }>;
  markers: number;
  fills?: number;
  visible?: { from: number; to: number } | null;
  data?: { from: number; to: number };
}

interface Opened {
  errors: string[];
  requests: string[];
  charts: ChartInfo[];
  cells: Array<{ path: string[]; value: unknown }>;
  page: import('playwright-core').Page;
}

let browser: { context: BrowserContext; close(): Promise<void> } | undefined;

/** Every request that is not for a file: recorded, and refused (the page must need none). */
const requests: string[] = [];

async function open(htmlFile: string): Promise<Opened> {
  const page = await browser!.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  const before = requests.length;
  await page.goto(pathToFileURL(htmlFile).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const charts = (await page.evaluate('window.__report.charts')) as ChartInfo[];
  const cells = await page.$$eval('td[data-path]', (tds) =>
    tds.map((td) => ({
      path: JSON.parse(td.getAttribute('data-path')!) as string[],
      value: JSON.parse(td.getAttribute('data-value')!) as unknown,
    })),
  );
  return { errors, requests: requests.slice(before), charts, cells, page };
}

/** Pixels within 10 per channel of `color` on the canvases inside element `id`. */
async function colourPixels(page: Opened['page'], id: string, color: string): Promise<number> {
  interface Canvas2d {
    width: number;
    height: number;
    getContext(
      kind: '2d',
    ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
  }
  return page.$$eval(
    `#${id} canvas`,
    (els, color) => {
      const hex = color.replace('#', '');
      const rgb = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      let n = 0;
      for (const canvas of els as unknown as Canvas2d[]) {
        if (canvas.width === 0 || canvas.height === 0) continue;
        const ctx = canvas.getContext('2d');
        if (!ctx) continue;
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < d.length; i += 4)
          if (
            d[i + 3]! > 200 &&
            Math.abs(d[i]! - rgb[0]!) <= 10 &&
            Math.abs(d[i + 1]! - rgb[1]!) <= 10 &&
            Math.abs(d[i + 2]! - rgb[2]!) <= 10
          )
            n++;
      }
      return n;
    },
    color,
  );
}

/** The checks every run gets: drawn, silent, summarize's numbers, one row per closed position. */
async function checkRun(name: string, market: string, run: string, flags: string[] = []) {
  const html = join(dir, `${name}.html`);
  await cli(['report', run, '--market', market, '-o', html, '--quiet', ...flags]);
  const o = await open(html);
  const summary = parseLines(await cli(['summarize', run, ...flags]))[0]!;
  const records = parseLines(readFileSync(run, 'utf8'));
  return { html, o, summary, records };
}

describeBrowser('report in headless Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    await browser.context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  const runs: Array<{
    name: string;
    prepare: () => Promise<{ market: string; run: string }>;
    flags?: string[];
    skip?: string;
  }> = [
    {
      name: 'ORCL daily (shared backtrader data)',
      ...(sharedDataDir() === undefined ? { skip: '../shared/data not found' } : {}),
      prepare: async () =>
        backtestFiles(
          dir,
          'orcl',
          await cli(['fetch', '--file', sharedFile('backtrader', 'orcl-1995-2014.txt'), '--quiet']),
        ),
    },
    {
      name: 'generated 1-minute intraday run',
      // 100 hours of minutes: hourly returns, ratios per day.
      flags: ['--period', '1h', '--interval', 'daily'],
      prepare: async () =>
        backtestFiles(
          dir,
          'intraday',
          await cli(['generate', 'candles', '--count', '6000', '--interval', '1m', '--seed', '11']),
        ),
    },
  ];

  for (const r of runs) {
    (r.skip === undefined ? describe : describe.skip)(
      r.skip === undefined ? r.name : `${r.name} (skipped: ${r.skip})`,
      () => {
        let c: Awaited<ReturnType<typeof checkRun>>;
        beforeAll(async () => {
          const { market, run } = await r.prepare();
          c = await checkRun(r.name.split(' ')[0]!.toLowerCase(), market, run, r.flags);
        }, 120_000);

        it('opens with no console error and no request leaving the file', () => {
          expect(c.o.errors).toEqual([]);
          expect(c.o.requests).toEqual([]);
        });

        it('draws every chart: each series in its colour, and one marker per fill', async () => {
          const ids = c.o.charts.map((x) => x.id).sort();
          expect(ids).toEqual(['equity', 'histogram', 'price-0', 'qq', 'rolling', 'underwater']);
          for (const chart of c.o.charts) {
            for (const s of chart.series) {
              if (s.shaded !== undefined) continue; // translucent: blended with what is under it
              const n = await colourPixels(c.o.page, chart.id, s.color);
              expect(n, `${chart.id}: ${s.name} (${s.color})`).toBeGreaterThan(30);
            }
          }
          const fills = c.records.filter((x) => x.type === 'fill').length;
          expect(fills).toBeGreaterThan(10);
          const price = c.o.charts.find((x) => x.id === 'price-0')!;
          expect(price.fills).toBe(fills);
          expect(price.markers).toBe(fills);
          expect(await colourPixels(c.o.page, 'price-0', '#1565c0')).toBeGreaterThan(30); // buy markers
          expect(await colourPixels(c.o.page, 'price-0', '#e65100')).toBeGreaterThan(30); // sell markers
          expect(c.o.charts.find((x) => x.id === 'equity')!.series).toHaveLength(2);
          // The time-scale charts show every point they were given, not the last screenful.
          for (const id of ['equity', 'price-0']) {
            const chart = c.o.charts.find((x) => x.id === id)!;
            expect(chart.visible!.from, id).toBeLessThanOrEqual(chart.data!.from);
            expect(chart.visible!.to, id).toBeGreaterThanOrEqual(chart.data!.to);
          }
        });

        it("shows every figure summarize gives, with summarize's values", () => {
          expect(c.o.cells.length).toBe(leafCount(c.summary));
          for (const cell of c.o.cells)
            expect(cell.value, cell.path.join('.')).toEqual(at(c.summary, cell.path));
          const sharpe = c.o.cells.find((x) => x.path.join('.') === 'portfolio.sharpe_ratio')!;
          expect(typeof sharpe.value).toBe('number');
        });

        it('lists one row per closed position, sortable by PnL', async () => {
          const closed = c.records.filter((x) => x.type === 'position' && x.status === 'closed');
          const rows = await c.o.page.$$eval('#trades-0 tbody tr', (trs) => trs.length);
          expect(rows).toBe(closed.length);
          expect(rows).toBe((Object.values(c.summary.instruments as object)[0] as { trades: number }).trades);
          await c.o.page.click('#trades-0 th[data-col="pnl"]');
          const pnl = await c.o.page.$$eval('#trades-0 tbody td[data-value]', (tds) =>
            tds.map((td) => Number(td.getAttribute('data-value'))),
          );
          expect(pnl).toEqual(closed.map((x) => x.pnl as number).sort((a, b) => a - b));
        });

        it('shows the fills of a bar on hover', async () => {
          const page = c.o.page;
          const box = (await page.locator('#price-0').boundingBox())!;
          let text = '';
          for (let x = box.x + 5; x < box.x + box.width - 80 && text === ''; x += 3) {
            await page.mouse.move(x, box.y + box.height / 3);
            text = await page.locator('#price-0 .tip').innerText();
          }
          expect(text).toMatch(/(buy|sell) [\d,.]+ @ [\d,.]+, fee [\d,.]+/);
        });

        it('writes a screenshot to the test folder', async () => {
          const png = join(dir, `${r.name.split(' ')[0]!.toLowerCase()}.png`);
          await c.o.page.screenshot({ path: png, fullPage: true });
          const bytes = readFileSync(png);
          expect(bytes.subarray(1, 4).toString()).toBe('PNG');
          expect(statSync(png).size).toBeGreaterThan(50_000);
        });
      },
    );
  }

  it('two instruments: a price chart, a tear sheet and a trade list each', async () => {
    const btc = (await cli(['generate', 'candles', '--count', '3000', '--seed', '1'])).trimEnd().split('\n');
    const eth = (await cli(['generate', 'candles', '--count', '3000', '--seed', '2', '--symbol', 'ETHUSDT']))
      .trimEnd()
      .split('\n');
    // The same times: interleaving line by line keeps the merged file in time order. --fill-at close:
    // with next-open fills, backtest writes one instrument's fill (at the next candle's open) after
    // the other's order (at the candle's close), out of time order.
    const { market, run } = await backtestFiles(
      dir,
      'two',
      `${btc.flatMap((l, i) => [l, eth[i]!]).join('\n')}\n`,
      ['--strategy', 'sma-cross', '--sizing', 'percent-equity:0.3', '--fill-at', 'close'],
    );
    const html = join(dir, 'two.html');
    await cli(['report', run, '--market', market, '-o', html, '--quiet']);
    const o = await open(html);
    expect(o.errors).toEqual([]);
    expect(o.charts.map((x) => x.id).filter((id) => id.startsWith('price-'))).toEqual(['price-0', 'price-1']);
    const records = parseLines(readFileSync(run, 'utf8'));
    const summary = parseLines(await cli(['summarize', run]))[0]!;
    expect(Object.keys(summary.instruments as object).sort()).toEqual([
      'binance_spot:BTCUSDT',
      'binance_spot:ETHUSDT',
    ]);
    for (const cell of o.cells) expect(cell.value, cell.path.join('.')).toEqual(at(summary, cell.path));
    const keys = await o.page.$$eval('h2', (hs) => hs.map((h) => h.textContent));
    for (const [i, symbol] of ['BTCUSDT', 'ETHUSDT'].entries()) {
      expect(keys[2 + i]).toBe(`binance_spot:${symbol}`);
      const closed = records.filter(
        (x) => x.type === 'position' && x.status === 'closed' && x.symbol === symbol,
      );
      expect(closed.length).toBeGreaterThan(3);
      expect(await o.page.$$eval(`#trades-${i} tbody tr`, (trs) => trs.length)).toBe(closed.length);
      const fills = records.filter((x) => x.type === 'fill' && x.symbol === symbol).length;
      expect(o.charts.find((x) => x.id === `price-${i}`)!.markers).toBe(fills);
    }
  }, 120_000);

  it('a quote run is drawn as a line of mid-prices, with its fills marked', async () => {
    const { market, run } = await backtestFiles(
      dir,
      'quotes',
      await cli(['generate', 'quotes', '--count', '20000', '--rate', '2', '--seed', '3']),
      ['--strategy', 'market-maker', '--sizing', 'percent-equity:0.1'],
    );
    const fills = parseLines(readFileSync(run, 'utf8')).filter((x) => x.type === 'fill').length;
    expect(fills).toBeGreaterThan(0);
    const html = join(dir, 'quotes.html');
    await cli([
      'report',
      run,
      '--market',
      market,
      '-o',
      html,
      '--period',
      '1h',
      '--interval',
      'daily',
      '--quiet',
    ]);
    const o = await open(html);
    expect(o.errors).toEqual([]);
    const price = o.charts.find((x) => x.id === 'price-0')!;
    expect(price.series.map((x) => x.name)).toEqual(['price', 'position']);
    expect(await colourPixels(o.page, 'price-0', '#455a64')).toBeGreaterThan(30);
    expect(price.markers).toBe(fills);
  }, 120_000);

  it('a long trade list is shown 500 rows at a time, sorted as a whole', async () => {
    const { market, run } = await backtestFiles(
      dir,
      'long',
      await cli(['generate', 'candles', '--count', '60000', '--seed', '8']),
    );
    const closed = parseLines(readFileSync(run, 'utf8')).filter(
      (x) => x.type === 'position' && x.status === 'closed',
    );
    expect(closed.length).toBeGreaterThan(1000);
    const html = join(dir, 'long.html');
    await cli(['report', run, '--market', market, '-o', html, '--quiet']);
    const o = await open(html);
    expect(o.errors).toEqual([]);
    // Over 1,000 fills: one marker per bar and side, and the page says so.
    const fills = parseLines(readFileSync(run, 'utf8')).filter((x) => x.type === 'fill').length;
    const price = o.charts.find((x) => x.id === 'price-0')!;
    expect(price.fills).toBe(fills);
    expect(price.markers).toBeLessThan(fills);
    expect(await o.page.content()).toContain('fills, marked once per bar and side');
    const rows = () =>
      o.page.$$eval('#trades-0 tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-trade'))));
    expect(await rows()).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(await o.page.locator('.pager span').innerText()).toBe(
      `trades 1-500 of ${closed.length.toLocaleString('en-US')}`,
    );
    await o.page.click('.pager button[data-go="1"]');
    expect(await rows()).toEqual(Array.from({ length: 500 }, (_, i) => 500 + i));
    await o.page.click('#trades-0 th[data-col="pnl"]');
    const pnl = await o.page.$$eval('#trades-0 tbody td[data-value]', (tds) =>
      tds.map((td) => Number(td.getAttribute('data-value'))),
    );
    expect(pnl).toEqual(
      closed
        .map((x) => x.pnl as number)
        .sort((a, b) => a - b)
        .slice(0, 500),
    );
  }, 120_000);

  it('report --png writes a screenshot through the same browser', async () => {
    const { market, run } = await backtestFiles(
      dir,
      'png',
      await cli(['generate', 'candles', '--count', '600', '--seed', '3']),
    );
    const png = join(dir, 'cli.png');
    const r = await runCli(['report', run, '--market', market, '--png', png]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/closed trades; [\d.]+ MB to .*cli\.png/);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  }, 60_000);

  it('a run with no fills: the page says so and still draws the price', async () => {
    // sma-cross needs more candles than this for its slow average: it never trades.
    const { market, run } = await backtestFiles(
      dir,
      'flat',
      await cli(['generate', 'candles', '--count', '300', '--seed', '5']),
      ['--strategy', 'sma-cross', '--param', 'slow=1000', '--sizing', 'percent-equity:0.5'],
    );
    expect(parseLines(readFileSync(run, 'utf8')).filter((x) => x.type === 'fill')).toEqual([]);
    const html = join(dir, 'flat.html');
    const res = await runCli(['report', run, '--market', market, '-o', html]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/no fills/);
    const o = await open(html);
    expect(o.errors).toEqual([]);
    expect(await o.page.locator('[data-note]').allInnerTexts()).toContain(
      'no fills: the strategy did not trade in this run',
    );
    const price = o.charts.find((x) => x.id === 'price-0')!;
    expect(price.markers).toBe(0);
    expect(await colourPixels(o.page, 'price-0', '#26a69a')).toBeGreaterThan(30);
    expect(await colourPixels(o.page, 'price-0', '#ef5350')).toBeGreaterThan(30);
    expect(await o.page.$$eval('#trades-0 tbody tr', (trs) => trs.length)).toBe(0);
  }, 60_000);
});
