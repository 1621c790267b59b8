/**
 * Headless Chromium through playwright-core (an optional dependency): `report --png` and the browser
 * tests use it. The browser is Debian's `chromium` (/usr/bin/chromium) or $CHROMIUM_PATH. Chromium
 * is started with its background services off (no component updates, sync, QUIC or background
 * networking: on a machine with a closed network their connections are refused and slow everything
 * down) and a fresh profile in a temporary folder, removed afterwards.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TickpipeError } from '../errors.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium to use: $CHROMIUM_PATH, else the first of the usual Debian paths that exists. */
export function chromiumPath(): string | undefined {
  const env = process.env.CHROMIUM_PATH;
  if (env !== undefined && env !== '') return existsSync(env) ? env : undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

/** Why no browser can be had here, or undefined when one can. */
export async function browserUnavailable(): Promise<string | undefined> {
  if (chromiumPath() === undefined)
    return process.env.CHROMIUM_PATH
      ? `$CHROMIUM_PATH (${process.env.CHROMIUM_PATH}) does not exist`
      : 'no Chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)';
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core (an optional dependency) is not installed';
  }
  return undefined;
}

type Playwright = typeof import('playwright-core');
export type BrowserContext = import('playwright-core').BrowserContext;

/** A headless Chromium context with a fresh profile; `close` also removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const why = await browserUnavailable();
  if (why !== undefined) throw new TickpipeError(`no browser for --png: ${why}`);
  const pw: Playwright = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'tickpipe-chromium-'));
  let context: BrowserContext;
  try {
    context = await pw.chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath()!,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new TickpipeError(
      `could not start Chromium (${chromiumPath()}): ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the report page says it has drawn (body[data-ready]) or `timeoutMs` passes. */
export async function openReport(context: BrowserContext, htmlFile: string, timeoutMs = 30_000) {
  const page = await context.newPage();
  await page.goto(pathToFileURL(htmlFile).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: timeoutMs });
  return page;
}

/** A full-page PNG of the report `html`, through headless Chromium. */
export async function screenshotReport(html: string, png: string, htmlFile?: string): Promise<void> {
  const dir = htmlFile === undefined ? mkdtempSync(join(tmpdir(), 'tickpipe-report-')) : undefined;
  const file = htmlFile ?? join(dir!, 'report.html');
  if (htmlFile === undefined) writeFileSync(file, html);
  const browser = await launchBrowser();
  try {
    const page = await openReport(browser.context, file);
    await page.screenshot({ path: png, fullPage: true });
  } finally {
    await browser.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}
