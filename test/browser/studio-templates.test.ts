import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, API_KEY, basic, eventually, post, type TestHoming } from '../helpers/homing';
import { capture, startStudioSession } from '../helpers/browser';

/**
 * The Templates screens in a real Chromium against a real Homing: create,
 * check as you type (a Liquid error at its field), preview against a real
 * profile and event (email HTML in a sandboxed iframe), publish, compare
 * versions, and send a test that lands in the mailbox.
 */
let homing: TestHoming;
let browser: Browser;
let page: Page;
let trialEventId: string;
const studio = (path = '') => `${homing.url}/studio${path}`;

beforeAll(async () => {
  // No worker: nothing here runs an automation (a test send goes straight to the provider).
  ({ homing, browser, page } = await startStudioSession({ worker: false }));
  // A real profile and a real event to preview against.
  expect((await homing.admin('/api/profiles/ada', { method: 'PUT', body: { traits: { name: 'Ada', email: 'ada@example.com' } } })).status).toBe(200);
  const track = JSON.stringify({ userId: 'ada', event: 'Trial Started', properties: { plan: 'pro' }, messageId: 'trial-1' });
  expect((await post(`${homing.url}/v1/track`, track, { authorization: basic(API_KEY), 'content-type': 'application/json' })).status).toBe(200);
  trialEventId = (await eventually(async () => (await homing.admin('/api/events?type=track')).body.events[0])).id;
});
afterAll(async () => {
  await browser?.close();
  await homing?.stop();
});

/** The texts that describe a control (its hint and error), as assistive technology reads them. */
async function descriptionOf(label: string): Promise<string> {
  const ids = ((await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });

describe('the Templates screens', () => {
  it('signs in and creates an email template from the list', async () => {
    await page.goto(studio('/sign-in'));
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.waitForURL(studio('/templates'));
    await page.getByText('No templates yet').waitFor();
    await capture(page, 'templates-empty');

    await page.getByLabel('Name', { exact: true }).fill('Welcome');
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Id', { exact: true }).fill('welcome');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(studio('/templates/welcome'));
    await page.getByRole('heading', { name: /Welcome/, level: 1 }).waitFor();
  });

  it('shows a Liquid error at its field with line and column, then previews in a sandboxed iframe against a real profile and event', async () => {
    await page.getByLabel('Profile (userId or alias)').fill('ada');
    await page.getByText('Using the profile of ada.').waitFor();
    await page.getByLabel('Event', { exact: true }).selectOption(trialEventId);

    await page.getByLabel('Subject').fill('Welcome, {{ profile.name }}');
    await page.getByLabel('HTML body').fill('<p>Hi {{ profile.name }}</p>\n<p>Plan: {{ data.plan </p>');
    const html = page.getByLabel('HTML body');
    await eventually(async () => (await html.getAttribute('aria-invalid')) === 'true', 10_000, 'the HTML body marked invalid');
    expect(await descriptionOf('HTML body')).toMatch(/Line 2, column \d+: output "\{\{ data\.plan <\/p>" not closed/);
    // The Subject has no problem of its own.
    expect(await page.getByLabel('Subject').getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Go to line 2 of HTML body' }).click();
    expect(await page.evaluate('document.activeElement.selectionStart')).toBeGreaterThan('<p>Hi {{ profile.name }}</p>\n'.length - 1);
    await capture(page, 'template-liquid-error');

    await html.fill('<p>Hi {{ profile.name }}</p>\n<p>Plan: {{ data.plan }}</p>\n<script>parent.document.title = "pwned"</script>');
    const frame = page.frameLocator('iframe[title="Email HTML preview"]');
    await frame.getByText('Plan: pro').waitFor();
    await frame.getByText('Hi Ada').waitFor();
    expect(await page.getByTestId('preview-subject').textContent()).toBe('Welcome, Ada');
    expect(await html.getAttribute('aria-invalid')).toBeNull();
    // Sandboxed without exceptions: the template's script does not run.
    expect(await page.locator('iframe[title="Email HTML preview"]').getAttribute('sandbox')).toBe('');
    expect(await page.title()).not.toBe('pwned');
    // The Liquid in each field, listed distinctly.
    expect(await page.locator('.liquid-output').allTextContents()).toEqual(expect.arrayContaining(['{{ profile.name }}', '{{ data.plan }}']));
  });

  it('saves, publishes two versions and shows their line diff', async () => {
    await page.getByLabel('HTML body').fill('<p>Hi {{ profile.name }}</p>\n<p>Plan: {{ data.plan }}</p>');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await status('Draft saved.').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published version 1.').waitFor();

    await page.getByLabel('HTML body').fill('<p>Hi {{ profile.name }}</p>\n<p>Your plan: {{ data.plan }}</p>');
    await status('Unsaved changes.').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published version 2.').waitFor();

    await page.getByLabel('Compare').selectOption('1');
    await page.getByLabel('With').selectOption('2');
    const diff = page.getByLabel('Diff of HTML body');
    await diff.waitFor();
    expect((await diff.textContent())!.split('\n').filter(Boolean)).toEqual(['  <p>Hi {{ profile.name }}</p>', '- <p>Plan: {{ data.plan }}</p>', '+ <p>Your plan: {{ data.plan }}</p>']);
    expect(await page.getByLabel('Diff of Subject').count()).toBe(0);

    const { body } = await homing.admin('/api/templates/welcome');
    expect(body).toMatchObject({ publishedVersion: 2, published: { subject: 'Welcome, {{ profile.name }}', html: '<p>Hi {{ profile.name }}</p>\n<p>Your plan: {{ data.plan }}</p>' } });
    await capture(page, 'template-editor', true);
  });

  it('sends a test through the configured provider: it appears in GET /api/mailbox', async () => {
    await page.getByLabel('Send a test to').fill('qa@example.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    await status(/Test sent to qa@example.com through mailbox/).waitFor();
    const { body } = await homing.admin('/api/mailbox?to=qa@example.com');
    expect(body.messages).toEqual([expect.objectContaining({ channel: 'email', subject: 'Welcome, Ada', html: '<p>Hi Ada</p>\n<p>Your plan: pro</p>' })]);
    expect((await homing.admin('/api/messages')).body.messages).toEqual([]);
  });

  it('creates and publishes an SMS template previewed against a sample event, and lists both by channel', async () => {
    await page.getByRole('link', { name: 'All templates' }).click();
    await page.waitForURL(studio('/templates'));
    await page.getByLabel('Name', { exact: true }).fill('Nudge');
    await page.getByLabel('Channel').selectOption('sms');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/studio\/templates\/(?!$).+/);

    await page.getByLabel('Event', { exact: true }).selectOption({ label: 'Sample event (JSON)…' });
    await page.getByLabel('Sample event JSON').fill('{"properties": {"plan": "team"}}');
    await page.getByLabel('Text', { exact: true }).fill('Hi {{ profile.name | default: "there" }}, your {{ data.plan }} plan is ready');
    await page.getByLabel('Message preview').filter({ hasText: 'Hi there, your team plan is ready' }).waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await status('Published version 1.').waitFor();
    await capture(page, 'template-editor-sms');

    await page.getByRole('link', { name: 'All templates' }).click();
    const email = page.getByRole('region', { name: 'Email' });
    const sms = page.getByRole('region', { name: 'SMS' });
    await sms.getByRole('rowheader', { name: 'Nudge' }).waitFor();
    expect(await email.getByRole('row', { name: /Welcome/ }).textContent()).toContain('version 2');
    expect(await sms.getByRole('row', { name: /Nudge/ }).textContent()).toContain('version 1');
    await capture(page, 'templates', true);
  });
});
