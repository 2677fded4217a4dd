import { Analytics } from '@segment/analytics-node';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, API_KEY, type TestHoming } from '../helpers/homing';
import { sendTrial } from '../helpers/automation';
import { capture, openEmailPixel, startStudioSession } from '../helpers/browser';

/**
 * The growth team's whole path in one flow, in a real Chromium against a real
 * Homing with its worker, every step through the Studio or Segment's official
 * client: connect, see the first events, write and publish the templates, map
 * the event, and follow the run it starts to the email's open. The management
 * API is only read, to check what the screens did.
 */
let homing: TestHoming;
let browser: Browser;
let page: Page;
const studio = (path = '') => `${homing.url}/studio${path}`;

beforeAll(async () => {
  ({ homing, browser, page } = await startStudioSession({}, 20_000));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await homing?.stop();
});

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });
const timeline = () => page.getByRole('list', { name: 'Run timeline' });

/** The app tracks `Trial Started` again, through Segment's client (which gives the event a new messageId). */
async function trackTrialAgain(userId: string): Promise<void> {
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 10, flushInterval: 50, maxRetries: 0 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  analytics.track({ userId, event: 'Trial Started', properties: { plan: 'pro' } });
  await analytics.closeAndFlush();
  expect(errors).toEqual([]);
}

/** Creates a template from the Templates list and lands in its editor. */
async function createTemplate(name: string, channel: 'email' | 'sms', id: string): Promise<void> {
  await nav('Templates').click();
  await page.waitForURL(studio('/templates'));
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Channel').selectOption(channel);
  await page.getByLabel('Id', { exact: true }).fill(id);
  await page.getByRole('button', { name: 'Create template' }).click();
  await page.waitForURL(studio(`/templates/${id}`));
}

describe("the growth team's journey through the Studio", () => {
  it('connects Segment, writes the templates, maps the event and follows its run to the email being opened', async () => {
    // Sign in: a fresh install lands on Connect Segment, waiting for the first event.
    await page.goto(studio('/'));
    await page.waitForURL(studio('/sign-in'));
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(studio('/connect'));
    await page.getByText('No Segment events received yet').waitFor();
    await capture(page, 'journey-connect-waiting');

    // The app's first events, through Segment's client; the page polls them in.
    await sendTrial(homing, 'grace', { name: 'Grace', email: 'grace@example.com', phone: '+15550100042' });
    const latest = page.getByRole('table', { name: 'Latest events' });
    await latest.getByRole('rowheader', { name: 'track/Trial Started' }).waitFor();
    await latest.getByRole('rowheader', { name: 'identify' }).waitFor();
    expect(await page.getByText('No Segment events received yet').count()).toBe(0);
    await capture(page, 'journey-connect-received');

    await nav('Event log').click();
    await page.waitForURL(studio('/events'));
    const rows = page.getByRole('table').getByRole('rowheader');
    await page.getByRole('rowheader', { name: 'identify' }).waitFor();
    expect(await rows.allTextContents()).toEqual(['track/Trial Started', 'identify']);

    // The templates, written and published in the editor.
    await createTemplate('Welcome', 'email', 'welcome');
    await page.getByLabel('Subject').fill('Welcome, {{ profile.name }}');
    await page.getByLabel('HTML body').fill('<html><body><p>Hi {{ profile.name }}, your {{ data.plan }} trial is on.</p></body></html>');
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published version 1.').waitFor();
    await capture(page, 'journey-template-email');

    await createTemplate('Nudge', 'sms', 'nudge');
    await page.getByLabel('Text', { exact: true }).fill('{{ profile.name }}, your {{ data.plan }} trial is waiting');
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published version 1.').waitFor();
    const templates = await homing.admin('/api/templates');
    expect(templates.body.templates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'welcome', channel: 'email', publishedVersion: 1 }),
        expect.objectContaining({ id: 'nudge', channel: 'sms', publishedVersion: 1 }),
      ]),
    );

    // Map the track from the Event log: email, then SMS, with the two templates.
    await nav('Event log').click();
    await page.getByRole('button', { name: 'Map this event' }).click();
    await page.waitForURL(studio('/mappings/new?event=Trial+Started'));
    expect(await page.getByLabel('Trigger event').inputValue()).toBe('Trial Started');
    await page.getByLabel('Automation').selectOption('email-then-sms');
    // The pickers come with the automation's schema and the template list: wait for the last template published.
    await page.getByLabel('SMS template').locator('option', { hasText: 'Nudge (nudge, v1)' }).waitFor({ state: 'attached' });
    expect(await page.getByLabel('Email template').locator('option').allTextContents()).toEqual(['Choose a template', 'Welcome (welcome, v1)']);
    expect(await page.getByLabel('SMS template').locator('option').allTextContents()).toEqual(['Choose a template', 'Nudge (nudge, v1)']);
    await page.getByLabel('Email template').selectOption('welcome');
    await page.getByLabel('SMS template').selectOption('nudge');
    await capture(page, 'journey-mapping-form');
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published').waitFor();
    const mappings = (await homing.admin('/api/mappings')).body.mappings;
    expect(mappings).toEqual([
      expect.objectContaining({ status: 'published', trigger: { type: 'track', event: 'Trial Started' }, automation: 'email-then-sms', params: expect.objectContaining({ emailTemplate: 'welcome', smsTemplate: 'nudge' }) }),
    ]);

    // The app tracks the event again: now it starts a run, whose timeline shows the email sent.
    await trackTrialAgain('grace');
    await nav('Runs').click();
    await page.waitForURL(studio('/runs'));
    const run = page.getByRole('row').filter({ hasText: 'grace' });
    await run.getByText('running').waitFor();
    await capture(page, 'journey-runs');
    await run.getByRole('link').click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await timeline().getByText(/^Email \(step email\): SENT$/).waitFor();
    await timeline().getByText('Wait for engagement with the email').waitFor();
    await capture(page, 'journey-run-waiting');

    // The mailbox shows the email, rendered in a sandboxed iframe.
    await nav('Mailbox').click();
    await page.waitForURL(studio('/mailbox'));
    const mail = page.getByRole('article', { name: 'Welcome, Grace' });
    await page.frameLocator('iframe[title="Email: Welcome, Grace"]').getByText('Hi Grace, your pro trial is on.').waitFor();
    expect(await mail.locator('iframe').getAttribute('sandbox')).toBe('');
    expect(await mail.getByText('grace@example.com', { exact: true }).count()).toBe(1);
    await capture(page, 'journey-mailbox');

    // The recipient's mail client loads the open pixel, from the HTML as it was sent.
    await openEmailPixel(mail);

    // The open is on the run's timeline, and it ended the run.
    await page.goBack();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await timeline().getByText(/^Email \(step email\): OPENED$/).waitFor();
    await timeline().getByText('Run ended: completed').waitFor();
    await page.getByText('completed, engaged').waitFor();
    await capture(page, 'journey-run-engaged');
    // One run, started by the second track (its own messageId), not by the one sent before the mapping.
    const tracks = (await homing.admin('/api/events?type=track')).body.events;
    expect(tracks).toHaveLength(2);
    const runs = (await homing.admin('/api/runs?userId=grace')).body.runs;
    expect(tracks[1]).toMatchObject({ status: 'unmapped' });
    expect(tracks[1].messageId).not.toBe(tracks[0].messageId);
    expect(runs).toEqual([
      expect.objectContaining({ status: 'completed', trigger: { event: 'Trial Started', messageId: tracks[0].messageId }, result: { step: 'email', channel: 'email', outcome: 'engaged' } }),
    ]);
  }, 90_000);
});
