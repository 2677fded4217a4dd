import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startHoming, type TestHoming } from './homing';

/** Debian's chromium package (.ci/run installs it): Playwright's own browser download cannot reach the network here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts', 'studio');

/** Fails with what to do when the Studio was not built (startHoming serves dist/studio). */
export function assertStudioBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'studio', 'index.html'))) {
    throw new Error('dist/studio/index.html is missing: run `npm run build` (npm install runs it) before the browser tests');
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  // Root (as CI runs) cannot use Chromium's user-namespace sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

export interface StudioSession {
  homing: TestHoming;
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/** A Homing (started with `opts`) and a Chromium page at 1280×800: what every browser test's beforeAll needs. */
export async function startStudioSession(opts: Parameters<typeof startHoming>[0] = {}, timeoutMs = 15_000): Promise<StudioSession> {
  assertStudioBuilt();
  const [homing, browser] = await Promise.all([startHoming(opts), launchChromium()]);
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  return { homing, browser, context, page };
}

export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
}

/** Screenshots at 1280×800, and at a phone's 390 px when asked, each checked with axe first. */
export async function capture(page: Page, name: string, phone = false): Promise<void> {
  await expectAccessible(page);
  await screenshot(page, name);
  if (!phone) return;
  await page.setViewportSize(PHONE);
  await expectAccessible(page);
  await screenshot(page, `${name}-390px`);
  await page.setViewportSize(DESKTOP);
}

/** A full-page screenshot under test-artifacts/studio/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. The
 * script goes in through DevTools evaluation, which the Studio's CSP (scripts
 * from 'self' only) does not govern, so the CSP stays on while it runs.
 */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`);
}

/** What the recipient's mail client does: loads the open pixel of an email the mailbox shows, from its HTML as sent. */
export async function openEmailPixel(mail: Locator): Promise<void> {
  const srcdoc = (await mail.locator('iframe').getAttribute('srcdoc'))!;
  const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(srcdoc)?.[1];
  expect(pixel).toBeDefined();
  expect((await fetch(pixel!)).status).toBe(200);
}
