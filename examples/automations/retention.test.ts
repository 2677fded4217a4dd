import path from 'node:path';
import { startAutomationTests, type AutomationTests } from 'homing/testing';
import { retention } from './retention';

// The journey on Temporal's time-skipping test server: three days take milliseconds.
let kit: AutomationTests;
beforeAll(async () => {
  kit = await startAutomationTests({ automations: path.join(__dirname, 'retention.ts') });
}, 120_000);
afterAll(() => kit?.close());

const localTime = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
const days = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 86_400_000;

it('email ignored for 3 days: an SMS at the next 10:00 in the user time zone, then ignored (opened: false)', async () => {
  const run = await kit.start(retention, { recipient: { traits: { first_name: 'Ada', plan: 'pro', timezone: 'America/Los_Angeles' } } });
  expect(await run.result()).toEqual({ outcome: 'ignored' });
  const [email, sms] = run.sends;
  expect([email!.channel, sms!.channel]).toEqual(['email', 'sms']);
  expect(days(email!.at, sms!.at)).toBeGreaterThanOrEqual(3);
  expect(days(email!.at, sms!.at)).toBeLessThan(4);
  expect(localTime(sms!.at, 'America/Los_Angeles')).toBe('10:00');
});

it('an enterprise-plan user gets the nudge on Slack instead', async () => {
  const run = await kit.start(retention, { recipient: { traits: { plan: 'enterprise', timezone: 'Europe/Berlin' } } });
  expect(await run.result()).toEqual({ outcome: 'ignored' });
  expect(run.sends.map((s) => s.channel)).toEqual(['email', 'slack']);
  expect(localTime(run.sends[1]!.at, 'Europe/Berlin')).toBe('10:00');
});

it('"Feature Used" during the wait ends the run with the goal, and no nudge is sent', async () => {
  const run = await kit.start(retention);
  await run.sent('email');
  await kit.skip('1d');
  await run.event('Feature Used');
  expect(await run.result()).toEqual({ outcome: 'goal', event: 'Feature Used' });
  expect(run.sends.map((s) => s.step)).toEqual(['email']);
});

it('an opened email ends the run engaged', async () => {
  const run = await kit.start(retention);
  await run.sent('email');
  await kit.skip('5h');
  await run.open('email');
  expect(await run.result()).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
});

it('a clicked nudge ends the run engaged by it', async () => {
  const run = await kit.start(retention);
  await kit.skip('4d');
  await run.sent('nudge');
  await run.click('nudge');
  expect(await run.result()).toEqual({ outcome: 'engaged', step: 'nudge', channel: 'sms' });
});
