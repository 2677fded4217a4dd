import path from 'node:path';
import { startAutomationTests, type AutomationTests } from 'homing/testing';
import { emailThenSms } from '../../workflows/automations/email-then-sms';
import { singleSend } from '../../workflows/automations/single-send';
import { trialGoal } from '../fixtures/automations/trial-goal';
import { misusedWaits } from '../fixtures/automations/misused-waits';

/** The test kit (homing/testing) on the time-skipping server: the built-ins' journeys and a user automation's waits. */
let kit: AutomationTests;

beforeAll(async () => {
  kit = await startAutomationTests({ automations: path.join(__dirname, '..', 'fixtures', 'automations') });
}, 180_000);
afterAll(() => kit?.close());

const hours = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 3_600_000;
const localTime = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

describe('email-then-sms', () => {
  const params = { emailTemplate: 'welcome', smsTemplate: 'nudge' };

  it('opened 3 h after the email: engaged by email, and no SMS', async () => {
    const run = await kit.start(emailThenSms, { params });
    expect(await run.sent('email')).toMatchObject({ channel: 'email', template: 'welcome' });
    await kit.skip('3h');
    await run.open('email');
    expect(await run.result()).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
    expect(run.sends.map((s) => s.step)).toEqual(['email']);
  });

  it('ignored: the SMS 24 h after the email, and the run ends ignored 24 h after that', async () => {
    const run = await kit.start(emailThenSms, { params });
    const started = await kit.now();
    expect(await run.result()).toEqual({ outcome: 'ignored' });
    const [email, sms] = run.sends;
    expect(sms).toMatchObject({ channel: 'sms', template: 'nudge' });
    expect(hours(email!.at, sms!.at)).toBeCloseTo(24, 1);
    expect(hours(started, await kit.now())).toBeGreaterThanOrEqual(48);
  });

  it('a recipient without an email address gets the SMS once the contact wait is over', async () => {
    const run = await kit.start(emailThenSms, { params: { ...params, contactWait: '10m' }, recipient: { noAddressFor: ['email'] } });
    const started = await kit.now();
    const sms = await (async () => {
      await kit.skip('15m');
      return run.sent('sms');
    })();
    expect(hours(started, sms.at)).toBeGreaterThanOrEqual(10 / 60);
    expect(run.sends.map((s) => s.step)).toEqual(['sms']);
    await run.click('sms');
    expect(await run.result()).toEqual({ outcome: 'engaged', step: 'sms', channel: 'sms' });
  });
});

it('single-send: one message on the chosen channel', async () => {
  const run = await kit.start(singleSend, { params: { channel: 'sms', template: 'note' } });
  expect(await run.result()).toEqual({ outcome: 'done', message: { step: 'message', channel: 'sms', status: 'sent', messageId: `${run.id}/message` } });
  expect(run.sends).toEqual([expect.objectContaining({ step: 'message', channel: 'sms', template: 'note' })]);
});

describe('a user automation that waits for events', () => {
  it('a paid plan chosen within the wait reaches the goal; a free one does not count; no SMS', async () => {
    const run = await kit.start(trialGoal);
    await run.sent('welcome');
    await run.event('Plan Chosen', { plan: 'free' });
    await kit.skip('5h');
    await run.event('Plan Chosen', { plan: 'pro' });
    expect(await run.result()).toEqual({ outcome: 'goal', event: 'Plan Chosen' });
    expect(run.sends.map((s) => s.step)).toEqual(['welcome']);
  });

  it('an event that reached the run before it began to wait is kept', async () => {
    const run = await kit.start(trialGoal);
    await run.event('Plan Chosen', { plan: 'team' });
    expect(await run.result()).toEqual({ outcome: 'goal', event: 'Plan Chosen' });
  });

  it('nothing chosen: the SMS goes out at the next 09:30 in the recipient time zone, at least 2 days on', async () => {
    const run = await kit.start(trialGoal, { recipient: { timezone: 'America/New_York' } });
    expect(await run.result()).toEqual({ outcome: 'ignored' });
    const [welcome, reminder] = run.sends;
    expect(hours(welcome!.at, reminder!.at)).toBeGreaterThanOrEqual(48);
    expect(hours(welcome!.at, reminder!.at)).toBeLessThan(72);
    expect(localTime(reminder!.at, 'America/New_York')).toBe('09:30');
  });

  it('an exit event ends the run wherever it waits, with the goal', async () => {
    const run = await kit.start(trialGoal, { recipient: { timezone: 'Asia/Tokyo' } });
    await kit.skip('3d');
    await run.sent('reminder');
    await run.event('Subscription Started');
    expect(await run.result()).toEqual({ outcome: 'goal', event: 'Subscription Started' });
  });

  it.each([
    ['undeclared-event', `waitForEvent("Undeclared"): "Undeclared" not in the automation's events (Declared); only declared events reach its runs`],
    ['throwing-filter', 'where threw: no such property'],
    ['bad-timeout', 'waitForEvent("Declared") timeout: "soon" is not a duration like "30s", "15m", "24h" or "3d"'],
    ['bad-time-zone', 'sleepUntil({"at":"10:00","timezone":"Mars/Olympus"}): "Mars/Olympus" is not an IANA time zone (like "Europe/Berlin")'],
  ])('a wait used wrongly (%s) fails the run with a typed error instead of leaving it stuck', async (mistake, message) => {
    const run = await kit.start(misusedWaits, { params: { mistake } });
    // A filter runs on matching events only.
    if (mistake === 'throwing-filter') await run.event('Declared');
    await expect(run.result()).rejects.toMatchObject({ cause: { type: 'AutomationDefinitionError', message } });
  });
});
