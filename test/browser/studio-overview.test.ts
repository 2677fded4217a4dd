import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, API_KEY, basic, eventually, post, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { capture, startStudioSession } from '../helpers/browser';
import { signToken } from '../../src/messaging/tracking';

/**
 * The Overview, Mappings and Settings screens in a real Chromium against a
 * real Homing: a run emails Ada, her open (the pixel) shows in the funnel; a
 * mapping is unpublished, published and edited; the export setting sticks;
 * the doctor's checks show.
 */
let homing: TestHoming;
let browser: Browser;
let page: Page;
const studio = (path = '') => `${homing.url}/studio${path}`;

beforeAll(async () => {
  ({ homing, browser, page } = await startStudioSession());
  await publishTemplates(homing);
  // A long wait: the run is still waiting for the open when the pixel arrives, which ends it.
  await publishMapping(homing, {
    id: 'trial',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '1h' },
    cancelOn: ['Subscription Started'],
  });

  const batch = [
    { type: 'identify', userId: 'ada', messageId: 'ada-identify', traits: { name: 'Ada', email: 'ada@example.com' } },
    { type: 'track', userId: 'ada', messageId: 'ada-trial', event: 'Trial Started', properties: { plan: 'pro' } },
  ];
  expect((await post(`${homing.url}/v1/batch`, JSON.stringify({ batch }), { authorization: basic(API_KEY) })).status).toBe(200);
  const sent = await eventually(async () => (await homing.admin('/api/messages?userId=ada')).body.messages.find((m: { status: string }) => m.status === 'SENT'), 30_000, "Ada's email to be sent");
  expect((await fetch(`${homing.url}/t/o/${signToken(homing.config.trackingSecret, { m: sent.id, k: 'o' })}`)).status).toBe(200);
  await eventually(async () => (await homing.admin(`/api/messages/${sent.id}`)).body.status === 'OPENED', 20_000, 'the open to be recorded');
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await homing?.stop();
});

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const tile = (name: string) => page.locator('.tiles div', { has: page.getByText(name, { exact: true }) }).locator('dd');
const funnelRow = () => page.getByRole('table', { name: /per automation and template/ }).getByRole('row', { name: /email-then-sms/ });
const cells = async () => (await funnelRow().locator('th, td').allTextContents()).map((s) => s.trim());

describe('Overview, Mappings and Settings', () => {
  it('lands on the Overview after sign-in: events received, runs started, and the funnel of the opened email', async () => {
    await page.goto(studio('/'));
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    // Events have arrived, so the Overview is the landing screen (before any, Connect Segment is).
    await page.waitForURL(studio('/overview'));
    expect(await page.getByRole('radio', { name: 'Last 7 days' }).isChecked()).toBe(true);
    expect(await tile('Events received').textContent()).toBe('2');
    expect(await tile('Runs started').textContent()).toBe('1');
    await funnelRow().waitFor();
    expect(await cells()).toEqual(['email-then-sms', 'trial', 'welcome', 'email', '1', '1', '1', '0', '0']);
    // The chart draws the same numbers; its name carries them for screen readers.
    await page.getByRole('img', { name: /email-then-sms · mapping trial · email template welcome: sent 1, delivered 1, opened 1, clicked 0, undeliverable 0/ }).waitFor();
    expect(await page.locator('svg rect.funnel-bar').count()).toBe(5);
    await capture(page, 'overview', true);
  });

  it('switches the period: a custom range of other days is empty, a backwards one is refused at the field, the last 24 hours count again', async () => {
    await page.getByRole('radio', { name: 'Custom' }).check();
    // Custom starts as the last 7 days, today included: the run is in it.
    expect(await page.getByLabel('Last day').inputValue()).toMatch(/^\d{4}-\d\d-\d\d$/);
    await funnelRow().waitFor();
    await page.getByLabel('First day').fill('2020-01-01');
    await page.getByLabel('Last day').fill('2019-12-31');
    const last = page.getByLabel('Last day');
    await page.getByText('the last day is before the first').waitFor();
    expect(await last.getAttribute('aria-invalid')).toBe('true');
    await last.fill('2020-01-02');
    await page.getByText('No messages in this period.').waitFor();
    expect(await tile('Events received').textContent()).toBe('0');
    expect(await tile('Runs started').textContent()).toBe('0');
    await capture(page, 'overview-custom-period');

    await page.getByRole('radio', { name: 'Last 24 hours' }).check();
    await funnelRow().waitFor();
    expect(await cells()).toEqual(['email-then-sms', 'trial', 'welcome', 'email', '1', '1', '1', '0', '0']);
    // The period is in the URL: a reload keeps it.
    await page.reload();
    expect(await page.getByRole('radio', { name: 'Last 24 hours' }).isChecked()).toBe(true);
    expect(await tile('Events received').textContent()).toBe('2');
  });

  it('lists the mappings, opens one, unpublishes and publishes it (each a version), and edits it in the mapping form', async () => {
    await nav('Mappings').click();
    await page.waitForURL(studio('/mappings'));
    const row = page.getByRole('row', { name: /trial/ });
    expect((await row.locator('th, td').allTextContents()).slice(1, 5)).toEqual(['published', '1', 'track “Trial Started”', 'email-then-sms']);
    await capture(page, 'mappings', true);

    await row.getByRole('link', { name: 'trial' }).click();
    await page.waitForURL(studio('/mappings/trial'));
    await page.getByRole('heading', { name: 'Mapping “trial”' }).waitFor();
    const versions = page.getByRole('table', { name: /Newest first/ });
    await versions.getByRole('rowheader', { name: /v1/ }).waitFor();
    expect(await versions.getByRole('rowheader').allTextContents()).toEqual(['v1current']);

    await page.getByRole('button', { name: 'Unpublish' }).click();
    await page.getByRole('status').filter({ hasText: 'Unpublished: version 2 is a draft' }).waitFor();
    await versions.getByRole('rowheader', { name: /v2/ }).waitFor();
    expect((await homing.admin('/api/mappings/trial')).body).toMatchObject({ status: 'draft', version: 2 });
    expect(await versions.getByRole('row').filter({ hasText: 'v1' }).getByText('published').count()).toBe(1);
    expect(await versions.getByRole('row').filter({ hasText: 'v2' }).getByText('draft').count()).toBe(1);

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published: version 3 is live' }).waitFor();
    await versions.getByRole('button', { name: 'Show version 2' }).click();
    expect(JSON.parse((await page.getByLabel('Definition of version 2').textContent())!)).toMatchObject({ status: 'draft', automation: 'email-then-sms', params: { wait: '1h' } });
    await capture(page, 'mapping-detail', true);

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(studio('/mappings/trial/edit'));
    // The form reads the saved mapping: trigger, automation, parameters, cancelOn.
    expect(await page.getByLabel('Trigger event').inputValue()).toBe('Trial Started');
    expect(await page.getByLabel('Automation').inputValue()).toBe('email-then-sms');
    await page.getByLabel('Email template').locator('option[value="welcome"]').waitFor({ state: 'attached' });
    expect(await page.getByLabel('Email template').inputValue()).toBe('welcome');
    expect(await page.getByLabel('Wait', { exact: true }).inputValue()).toBe('1h');
    expect(await page.getByLabel('Cancel on').inputValue()).toBe('Subscription Started');
    await capture(page, 'mapping-edit');
    await page.getByLabel('Wait', { exact: true }).fill('2h');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published: mapping “trial” (id trial, version 4)' }).waitFor();
    expect((await homing.admin('/api/mappings/trial')).body).toMatchObject({
      status: 'published',
      version: 4,
      params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '2h' },
      cancelOn: ['Subscription Started'],
    });
    await page.getByRole('link', { name: 'Open mapping “trial”' }).click();
    await page.getByRole('table', { name: /Newest first/ }).getByRole('rowheader', { name: /v4/ }).waitFor();
  });

  it('keeps an unticked outcome unticked after a reload, and shows the doctor: Postgres ok', async () => {
    await nav('Settings').click();
    await page.waitForURL(studio('/settings'));
    const sent = page.getByRole('checkbox', { name: /^SENT / });
    expect(await sent.isChecked()).toBe(true);
    await sent.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: DELIVERED, OPENED, CLICKED, UNDELIVERABLE, SUBSCRIPTION_CHANGED exported.' }).waitFor();
    expect((await homing.admin('/api/settings/export')).body.statuses).toEqual(['DELIVERED', 'OPENED', 'CLICKED', 'UNDELIVERABLE', 'SUBSCRIPTION_CHANGED']);

    await page.reload();
    expect(await page.getByRole('checkbox', { name: /^SENT / }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: /^OPENED / }).isChecked()).toBe(true);

    const checks = page.getByRole('table', { name: /^(Every check passed|Some checks failed)$/ });
    const postgres = checks.getByRole('row', { name: /^postgres/ });
    await postgres.waitFor();
    expect((await postgres.locator('td').allTextContents())[0]).toBe('ok');
    expect((await postgres.locator('td').allTextContents())[1]).toMatch(/^reachable, PostgreSQL \d+/);
    expect((await checks.getByRole('row', { name: /^temporal/ }).locator('td').allTextContents())[0]).toBe('ok');
    await capture(page, 'settings', true);
  });
});
