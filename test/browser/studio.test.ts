import { Analytics } from '@segment/analytics-node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN, API_KEY, basic, post, type TestHoming } from '../helpers/homing';
import { capture, startStudioSession } from '../helpers/browser';

/**
 * The growth team's path through the Studio, in a real Chromium against a
 * real Homing: sign in, connect Segment, see the first events, map one.
 */
let homing: TestHoming;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const studio = (path = '') => `${homing.url}/studio${path}`;

beforeAll(async () => {
  // No worker: this journey reads the log and writes a mapping; nothing here runs an automation.
  ({ homing, browser, context, page } = await startStudioSession({ worker: false }));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: homing.url });
  // The templates the mapping picks from (the Studio's template screens come in a later slice).
  for (const t of [
    { id: 'welcome', name: 'Welcome', channel: 'email', content: { subject: 'Welcome', html: '<p>Your {{ data.plan }} trial is on.</p>' } },
    { id: 'nudge', name: 'Nudge', channel: 'sms', content: { text: 'Your trial is waiting' } },
  ]) {
    expect((await homing.admin('/api/templates', { method: 'POST', body: t })).status).toBe(201);
    expect((await homing.admin(`/api/templates/${t.id}/publish`, { method: 'POST' })).status).toBe(200);
  }
});
afterAll(async () => {
  await browser?.close();
  await homing?.stop();
});

const sessionCookie = async () => (await context.cookies()).find((c) => c.name === 'homing_session');

describe('the Studio in a real browser', () => {
  it('refuses a wrong admin token and sets no cookie', async () => {
    await page.goto(studio('/'));
    await page.waitForURL(studio('/sign-in'));
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong admin token' }).waitFor();
    expect(await sessionCookie()).toBeUndefined();
    await capture(page, 'sign-in');
  });

  it('signs in with the token, kept in no URL or storage, and Connect Segment waits for the first event', async () => {
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(studio('/connect'));
    await page.getByText('No Segment events received yet').waitFor();
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const visibleToScripts = await page.evaluate('JSON.stringify([location.href, document.cookie, { ...localStorage }, { ...sessionStorage }])');
    expect(visibleToScripts).not.toContain(ADMIN_TOKEN);
    expect(visibleToScripts).not.toContain(cookie!.value);

    await page.getByRole('button', { name: 'Copy API key' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(API_KEY);
    await capture(page, 'connect-waiting');
  });

  it("shows the Segment client's identify and track on Connect Segment and in the Event log", async () => {
    const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 10, flushInterval: 60_000, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (err) => errors.push(err));
    analytics.identify({ userId: 'ada', traits: { name: 'Ada', email: 'ada@example.com' } });
    analytics.track({ userId: 'ada', event: 'Trial Started', properties: { plan: 'pro', seats: 3 } });
    await analytics.closeAndFlush();
    expect(errors).toEqual([]);

    // The page polls: both rows arrive without a reload.
    const latest = page.getByRole('table', { name: 'Latest events' });
    await latest.getByRole('rowheader', { name: 'track/Trial Started' }).waitFor();
    await latest.getByRole('rowheader', { name: 'identify' }).waitFor();
    expect(await page.getByText('No Segment events received yet').count()).toBe(0);
    await capture(page, 'connect-received');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
    await page.waitForURL(studio('/events'));
    const rows = page.getByRole('table').getByRole('rowheader');
    await page.getByRole('rowheader', { name: 'identify' }).waitFor();
    // Newest first.
    expect(await rows.allTextContents()).toEqual(['track/Trial Started', 'identify']);

    await page.getByLabel('Type').selectOption('track');
    await page.getByRole('rowheader', { name: 'identify' }).waitFor({ state: 'detached' });
    expect(await rows.allTextContents()).toEqual(['track/Trial Started']);
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('User').fill('nobody');
    await page.getByText('No events match.').waitFor();
    await page.getByLabel('User').fill('ada');
    await page.getByRole('rowheader', { name: 'identify' }).waitFor();

    await page.getByRole('button', { name: 'Show JSON of track/Trial Started' }).click();
    const json = await page.getByLabel('JSON of track/Trial Started').textContent();
    expect(JSON.parse(json!)).toMatchObject({ type: 'track', event: 'Trial Started', userId: 'ada', properties: { plan: 'pro', seats: 3 } });
    await capture(page, 'event-log', true);
  });

  it('"Map this event" opens the mapping form prefilled, shows the API\'s refusal at the field, then publishes', async () => {
    expect(await page.getByRole('button', { name: 'Map this event' }).count()).toBe(1); // the track only: identify is not mappable
    await page.getByRole('button', { name: 'Map this event' }).click();
    await page.waitForURL(studio('/mappings/new?event=Trial+Started'));
    // A reload keeps the form's event (it is in the URL) and the session; the CSRF token comes back from GET /api/session, as the publish below needs.
    await page.reload();
    expect(await page.getByLabel('Trigger event').inputValue()).toBe('Trial Started');
    expect(JSON.parse((await page.getByLabel('Sample event properties').textContent())!)).toEqual({ plan: 'pro', seats: 3 });

    // A slot whose channel a parameter chooses (single-send) offers that channel's templates.
    await page.getByLabel('Automation').selectOption('single-send');
    await page.getByLabel('Channel', { exact: true }).selectOption('sms');
    expect(await page.getByLabel('Template', { exact: true }).locator('option').allTextContents()).toEqual(['Choose a template', 'Nudge (nudge, v1)']);

    await page.getByLabel('Automation').selectOption('email-then-sms');
    // Generated from the automation's JSON Schema, defaults filled in; template pickers offer published templates of their channel.
    expect(await page.getByLabel('Wait', { exact: true }).inputValue()).toBe('24h');
    const emailOptions = await page.getByLabel('Email template').locator('option').allTextContents();
    expect(emailOptions).toEqual(['Choose a template', 'Welcome (welcome, v1)']);
    await page.getByLabel('Email template').selectOption('welcome');
    await page.getByLabel('Cancel on').fill('Subscription Started');

    // No SMS template chosen: the API refuses, and the form says where.
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('alert').filter({ hasText: 'smsTemplate' }).waitFor();
    const smsTemplate = page.getByLabel('SMS template');
    expect(await smsTemplate.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await smsTemplate.getAttribute('aria-describedby'))!.split(' ');
    const descriptions = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(descriptions).toContain('required');
    await capture(page, 'mapping-form-error', true);

    await page.getByLabel('SMS template').selectOption('nudge');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published' }).waitFor();
    await capture(page, 'mapping-published');

    const { body } = await homing.admin('/api/mappings');
    expect(body.mappings).toHaveLength(1);
    expect(body.mappings[0]).toMatchObject({
      name: 'Trial Started',
      status: 'published',
      trigger: { type: 'track', event: 'Trial Started' },
      automation: 'email-then-sms',
      params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '24h', smsWait: '24h', contactWait: '5m' },
      cancelOn: ['Subscription Started'],
    });
  });

  it('refuses a state change from the signed-in page without the CSRF header', async () => {
    const before = (await homing.admin('/api/mappings')).body.mappings.length;
    const refused = await page.evaluate(`fetch('/api/mappings', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky', trigger: { type: 'track', event: 'X' }, automation: 'email-then-sms' }) })
      .then(async (r) => ({ status: r.status, body: await r.json() }))`);
    expect(refused).toEqual({ status: 403, body: { error: 'missing or wrong CSRF token' } });
    expect((await homing.admin('/api/mappings')).body.mappings).toHaveLength(before);
  });

  it('pages the Event log back to older events', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({ type: 'identify', userId: `bulk-${i}`, messageId: `bulk-${i}` }));
    expect((await post(`${homing.url}/v1/batch`, JSON.stringify({ batch }), { authorization: basic(API_KEY) })).status).toBe(200);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('rowheader', { name: 'identify' }).first().waitFor();
    await page.getByRole('button', { name: 'Older events' }).click();
    await page.getByRole('table', { name: 'Older events, newest first' }).waitFor();
    expect(await page.getByRole('table').getByRole('rowheader').allTextContents()).toEqual(['track/Trial Started', 'identify']);
    await page.getByRole('button', { name: 'Newest events' }).click();
    await page.getByRole('table', { name: 'Newest first, refreshed every few seconds' }).waitFor();
    expect(await page.getByRole('table').getByRole('rowheader').count()).toBe(100);
  });

  it('signs out: the old cookie no longer opens the API', async () => {
    const cookie = (await sessionCookie())!;
    const withCookie = () => fetch(`${homing.url}/api/events`, { headers: { cookie: `homing_session=${cookie.value}` } }).then((r) => r.status);
    expect(await withCookie()).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(studio('/sign-in'));
    await page.getByLabel('Admin token').waitFor();
    expect(await withCookie()).toBe(401);
    expect(await sessionCookie()).toBeUndefined();
  });
});
