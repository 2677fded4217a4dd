import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { createLogger } from '../../src/logger';
import { eventually, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { startRun, startTimeSkippingStack, type TimeSkippingStack } from '../helpers/time-skipping';

/**
 * Sending hours on the time-skipping server, with the installation default
 * (SMS 08:00–21:00 recipient-local): a marketing SMS due at 03:xx in the
 * recipient's zone waits on a durable timer and goes out at 08:00, and a
 * person who opts out while it waits gets nothing. The zone is picked so that
 * the server's clock shows 03:xx there, whatever time the test runs at.
 */
const HOUR = 3_600_000;
const log = createLogger(process.env.HOMING_TEST_LOG_LEVEL ?? 'silent');
let stack: TimeSkippingStack;
let env: TestWorkflowEnvironment;
let homing: TestHoming;

beforeAll(async () => {
  stack = await startTimeSkippingStack(log);
  ({ env, homing } = stack);
  await publishTemplates(homing);
  expect((await homing.admin('/api/topics/offers', { method: 'PUT', body: { name: 'Offers', defaultStatus: 'opted-in' } })).status).toBe(200);
  await publishMapping(homing, { id: 'offer', trigger: { type: 'track', event: 'Cart Abandoned' }, automation: 'single-send', params: { channel: 'sms', template: 'nudge' }, topic: 'offers' });
  await publishMapping(homing, { id: 'code', trigger: { type: 'track', event: 'Login Code' }, automation: 'single-send', params: { channel: 'sms', template: 'nudge' } });
  await stack.startWorker();
}, 120_000);
afterAll(() => stack?.stop());

/** An Etc/GMT zone whose clocks show 03:xx at `now` (Etc/GMT+N is UTC−N; they span UTC−12 to UTC+14). */
function zoneAtThreeAm(now: number): string {
  let minus = new Date(now).getUTCHours() - 3;
  if (minus > 12) minus -= 24;
  if (minus < -14) minus += 24;
  return minus === 0 ? 'Etc/GMT' : `Etc/GMT${minus > 0 ? '+' : '-'}${Math.abs(minus)}`;
}
const localTime = (instant: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);

/** The identify (with the zone) and the track, and the run it starts. */
function trigger(userId: string, event: string, timezone: string) {
  const messageId = `${userId}-${event}`;
  const events = [
    { type: 'identify', userId, traits: { name: userId, phone: '+15550100077', timezone }, messageId: `${userId}-identify` },
    { type: 'track', userId, event, messageId },
  ];
  return startRun(stack, userId, events, event === 'Login Code' ? 'code' : 'offer', messageId);
}

type Message = { id: string; status: string; reason: string | null };
const onlyMessage = async (userId: string) => (await homing.admin(`/api/messages?userId=${userId}`)).body.messages[0] as Message | undefined;
const heldEntry = (userId: string) =>
  eventually(async () => {
    const m = await onlyMessage(userId);
    const timeline = m ? ((await homing.admin(`/api/messages/${m.id}`)).body.timeline as Array<{ kind: string; detail: { until: string; timeZone: string } }>) : [];
    return timeline.find((e) => e.kind === 'held');
  }, 20_000, `${userId}'s held SMS`);

it('a marketing SMS due at 03:xx local waits for 08:00 local, then goes out', async () => {
  const zone = zoneAtThreeAm(await env.currentTimeMs());
  const run = await trigger('ada', 'Cart Abandoned', zone);
  const held = await heldEntry('ada');
  expect(held.detail.timeZone).toBe(zone);
  const until = Date.parse(held.detail.until);
  expect(localTime(until, zone)).toBe('08:00');
  expect((await onlyMessage('ada'))?.status).toBe('ENQUEUED');

  expect(await run.result()).toMatchObject({ outcome: 'done', message: { channel: 'sms', status: 'sent' } });
  expect(await onlyMessage('ada')).toMatchObject({ status: 'SENT' });
  // The wait was a timer of the workflow, and the send came after it fired, at 08:00 local.
  const events = (await run.fetchHistory()).events ?? [];
  const timer = events.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED)!;
  const fired = events.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_FIRED)!;
  expect(tsToMs(timer.timerStartedEventAttributes!.startToFireTimeout)).toBeGreaterThan(4 * HOUR);
  expect(tsToMs(timer.timerStartedEventAttributes!.startToFireTimeout)).toBeLessThanOrEqual(5 * HOUR);
  expect(localTime(tsToMs(fired.eventTime), zone)).toBe('08:00');
  const mailbox = (await homing.admin(`/api/mailbox?to=${encodeURIComponent('+15550100077')}`)).body.messages;
  expect(mailbox).toHaveLength(1);
}, 60_000);

it('a person who opts out while the SMS waits for the morning gets nothing', async () => {
  const zone = zoneAtThreeAm(await env.currentTimeMs());
  const run = await trigger('bob', 'Cart Abandoned', zone);
  await heldEntry('bob');
  const put = await homing.admin('/api/profiles/bob/preferences', { method: 'PUT', body: { preferences: [{ channel: 'sms', topic: 'offers', subscribed: false }] } });
  expect(put.status).toBe(200);
  expect(await run.result()).toMatchObject({ outcome: 'done', message: { channel: 'sms', status: 'undeliverable', reason: 'unsubscribed' } });
  expect(await onlyMessage('bob')).toMatchObject({ status: 'UNDELIVERABLE', reason: 'unsubscribed' });
}, 60_000);

it('a transactional SMS at 03:xx local goes out at once', async () => {
  const zone = zoneAtThreeAm(await env.currentTimeMs());
  const run = await trigger('cyd', 'Login Code', zone);
  expect(await run.result()).toMatchObject({ outcome: 'done', message: { channel: 'sms', status: 'sent' } });
  const events = (await run.fetchHistory()).events ?? [];
  expect(events.some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED)).toBe(false);
}, 60_000);
