import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, eventually, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates, sendTrial } from '../helpers/automation';
import { capture, expectAccessible, openEmailPixel, screenshot, startStudioSession } from '../helpers/browser';

/**
 * The end of the growth team's path, in a real Chromium against a real Homing
 * with its worker: a mapped track starts a run, the run's timeline shows the
 * email, the mailbox shows it rendered, its pixel ends the run; a second run is
 * canceled from the Studio; a profile is found by email.
 */
let homing: TestHoming;
let browser: Browser;
let page: Page;
const studio = (path = '') => `${homing.url}/studio${path}`;

beforeAll(async () => {
  ({ homing, browser, page } = await startStudioSession({ env: { TEMPORAL_UI_URL: 'http://127.0.0.1:8233' } }, 20_000));
  await publishTemplates(homing);
  // Marketing: its email carries List-Unsubscribe (default sending hours hold SMS only, so the email goes at once).
  await publishMapping(homing, { id: 'trial', trigger: { type: 'track', event: 'Trial Started' }, automation: 'email-then-sms', params: { emailTemplate: 'welcome', smsTemplate: 'nudge' }, category: 'marketing' });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await homing?.stop();
});

const startTrial = (userId: string, traits: Record<string, unknown>) => sendTrial(homing, userId, traits);

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const timeline = () => page.getByRole('list', { name: 'Run timeline' });

describe('runs, mailbox and profiles in the Studio', () => {
  it('lists the run of a mapped track and shows its timeline with the email sent', async () => {
    await page.goto(studio('/'));
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(studio('/connect'));

    await startTrial('ada', { name: 'Ada', email: 'ada@example.com', phone: '+15550100001' });
    await nav('Runs').click();
    await page.waitForURL(studio('/runs'));
    const row = page.getByRole('row').filter({ hasText: 'ada' });
    await row.getByText('running').waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('trial v1');
    // Filters: by mapping and status the run stays; by another user it goes.
    await page.getByLabel('Mapping').selectOption('trial');
    await page.getByLabel('Status').selectOption('running');
    await row.waitFor();
    await page.getByLabel('User').fill('nobody');
    await page.getByText('No runs match.').waitFor();
    await page.getByLabel('User').fill('ada');
    await capture(page, 'runs');

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await timeline().getByText(/^Email \(step email\): SENT$/).waitFor();
    await timeline().getByText('Wait for engagement with the email').waitFor();
    await page.getByText('still waiting').waitFor();
    const temporal = await page.getByRole('link', { name: 'Open this run in the Temporal UI' }).getAttribute('href');
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(temporal).toBe(`http://127.0.0.1:8233/namespaces/${homing.config.temporal.namespace}/workflows/${encodeURIComponent(runId)}`);
    await capture(page, 'run-waiting');
  });

  it('shows the email in the mailbox, rendered in a sandboxed iframe, with its List-Unsubscribe header', async () => {
    await nav('Mailbox').click();
    await page.waitForURL(studio('/mailbox'));
    const mail = page.getByRole('article', { name: 'Welcome, Ada' });
    const frame = mail.locator('iframe');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await frame.getAttribute('title')).toBe('Email: Welcome, Ada');
    await page.frameLocator('iframe[title="Email: Welcome, Ada"]').getByText('Hi Ada, your pro trial is on.').waitFor();
    expect(await mail.getByText('ada@example.com', { exact: true }).count()).toBe(1);
    await mail.getByText('List-Unsubscribe', { exact: true }).waitFor();
    expect(await mail.getByText(/^<http:\/\/[^>]+\/u\/[^>]+>$/).count()).toBe(1);
    await capture(page, 'mailbox');
    await page.getByLabel('To', { exact: true }).fill('nobody@example.com');
    await page.getByText('No messages stored.').waitFor();
    await page.getByLabel('To', { exact: true }).fill('ada@example.com');
    await mail.waitFor();
    await page.getByLabel('To', { exact: true }).fill('');
  });

  it('shows stored SMS as text, ten to a page, and pages back to older ones', async () => {
    // What the mailbox SMS provider stores, eleven times (the oldest first).
    for (let i = 0; i < 11; i++) {
      await homing.pool.query(`INSERT INTO mailbox (message_id, channel, recipient, text) VALUES ($1, 'sms', $2, $3)`, [`paging-${i}`, `+1555010${String(i).padStart(4, '0')}`, `Text number ${i}`]);
    }
    await page.getByLabel('Channel').selectOption('sms');
    const articles = page.getByRole('article');
    const loaded = page.locator('[aria-busy="false"]');
    await page.getByRole('article', { name: 'SMS to +15550100010' }).getByText('Text number 10').waitFor();
    await loaded.waitFor();
    expect(await articles.count()).toBe(10);
    await page.getByRole('button', { name: 'Older messages' }).click();
    await page.getByRole('article', { name: 'SMS to +15550100000' }).waitFor();
    await loaded.waitFor();
    expect(await articles.count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Newest messages' }).click();
    await page.getByRole('article', { name: 'SMS to +15550100010' }).waitFor();
    await page.getByLabel('Channel').selectOption('');
  });

  it("the email's open pixel shows on the run's timeline and ends the run, engaged", async () => {
    // The newest page is the SMS stored above: Ada's email is found by its address.
    await page.getByLabel('To', { exact: true }).fill('ada@example.com');
    const mail = page.getByRole('article', { name: 'Welcome, Ada' });
    await page.getByRole('article', { name: /^SMS to / }).first().waitFor({ state: 'detached' });
    await openEmailPixel(mail);

    await page.goBack();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await timeline().getByText(/^Email \(step email\): OPENED$/).waitFor();
    await page.getByText('completed, engaged').waitFor();
    await timeline().getByText('Run ended: completed').waitFor();
    await page.getByText('ended by the engagement').waitFor();
    // The one open is this test's fetch (Node's user agent): the Studio showing the email did not load its pixel.
    expect(await timeline().getByText(/by pixel · .*userAgent: node/).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await capture(page, 'run-engaged', true);
  });

  it('cancels a second run from its page, after asking', async () => {
    await startTrial('bob', { name: 'Bob', email: 'bob@example.com' });
    const run = await eventually(async () => (await homing.admin('/api/runs?userId=bob')).body.runs.find((r: { status: string }) => r.status === 'running'), 20_000, "bob's run");
    await nav('Runs').click();
    await page.getByLabel('User').fill('bob');
    await page.getByRole('link', { name: run.id }).click();
    await timeline().getByText(/^Email \(step email\): SENT$/).waitFor();

    await page.getByRole('button', { name: 'Cancel run' }).click();
    // Asking moved focus to the confirmation; "Keep it running" leaves the run be.
    await page.locator('button:focus', { hasText: 'Yes, cancel the run' }).waitFor();
    await capture(page, 'run-cancel-confirm');
    await page.getByRole('button', { name: 'Keep it running' }).click();
    expect((await homing.admin(`/api/runs/${run.id}`)).body.status).toBe('running');

    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the run' }).click();
    await timeline().getByText('Run ended: canceled').waitFor();
    await timeline().getByText('Cancel requested').waitFor();
    expect((await homing.admin(`/api/runs/${run.id}`)).body).toMatchObject({ status: 'canceled' });
    await screenshot(page, 'run-canceled');
  });

  it('finds a profile by email and shows its traits, runs and messages', async () => {
    await nav('Profiles').click();
    await page.getByLabel('userId, alias or email').fill('ADA@example.com');
    await page.keyboard.press('Enter');
    await page.waitForURL(studio('/profiles?query=ADA%40example.com'));
    const results = page.getByRole('table', { name: 'Profiles matching “ADA@example.com”' });
    await results.getByRole('rowheader').first().waitFor();
    expect(await results.getByRole('rowheader').allTextContents()).toEqual(['ada']);
    await capture(page, 'profiles-search');

    await results.getByRole('link', { name: 'ada' }).click();
    await page.getByRole('heading', { name: 'Profile ada' }).waitFor();
    expect(JSON.parse((await page.getByLabel('Traits of ada').textContent())!)).toEqual({ name: 'Ada', email: 'ada@example.com', phone: '+15550100001' });
    await page.getByRole('table', { name: 'Runs of ada, newest first' }).getByText('completed, engaged').waitFor();
    await page.getByRole('table', { name: 'Messages to ada, newest first' }).getByText('OPENED').waitFor();
    await page.getByText('No preferences set: the defaults of each topic apply.').waitFor();
    await capture(page, 'profile');

    await page.getByRole('link', { name: 'Find a profile' }).click();
    await page.getByLabel('userId, alias or email').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: 'No profile has the userId, alias or email “nobody@example.com”.' }).waitFor();
  });
});
