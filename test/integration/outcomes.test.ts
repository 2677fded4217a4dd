import { eventually, type TestHoming } from '../helpers/homing';
import { startReportingHoming, type ReportingSend } from '../helpers/automation';
import type { SegmentEvent, SegmentSink } from '../helpers/segment-sink';
import { VERSION } from '../../src/version';

/** Message outcomes reported back to Segment (a local sink speaking its batch API) through the official client. */
const WRITE_KEY = 'outcomes-write-key';
let homing: TestHoming;
let segment: SegmentSink;
let send: ReportingSend;

beforeAll(async () => {
  ({ homing, segment, send } = await startReportingHoming(WRITE_KEY, {
    id: 'escalate',
    trigger: { type: 'track', event: 'Cart Abandoned' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '2s', smsWait: '2s' },
  }));
}, 120_000);
afterAll(async () => {
  await homing?.stop();
  await segment?.close();
});

async function startRun(userId: string) {
  await send({ type: 'identify', userId, traits: { name: userId, email: `${userId}@example.com`, phone: '+15550123456' }, messageId: `${userId}-identify` });
  await send({ type: 'track', userId, event: 'Cart Abandoned', messageId: `${userId}-cart` });
  return eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[])[0], 20_000, `${userId}'s run`);
}
const endedRun = (userId: string) =>
  eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}&status=completed`)).body.runs as any[])[0], 30_000, `${userId}'s run to end`);
const eventsFor = (userId: string) => segment.accepted.filter((e) => e.userId === userId);
const summary = (events: SegmentEvent[]) => events.map((e) => `${e.event}:${e.properties?.channel}${e.properties?.opened === false ? ':opened=false' : ''}`);

it('an ignored escalation reports exactly Message Sent (email), Message Sent (sms) and Message Opened with opened: false', async () => {
  const run = await startRun('una');
  await endedRun('una');
  const events = await eventually(async () => (eventsFor('una').length >= 3 ? eventsFor('una') : undefined), 20_000, "una's outcomes");
  await new Promise((r) => setTimeout(r, 1_000));
  expect(summary(eventsFor('una'))).toEqual(['Message Sent:email', 'Message Sent:sms', 'Message Opened:sms:opened=false']);
  const messages = (await homing.admin('/api/messages?userId=una')).body.messages as any[];
  const email = messages.find((m) => m.channel === 'email');
  for (const e of events) {
    expect(e).toMatchObject({
      type: 'track',
      userId: 'una',
      context: { integration: { name: 'homing', version: VERSION }, library: { name: '@segment/analytics-node' } },
      properties: {
        runId: run.id,
        automation: 'email-then-sms',
        mapping: 'escalate',
        provider: 'mailbox',
        triggerEvent: 'Cart Abandoned',
        triggerMessageId: 'una-cart',
      },
    });
    expect(e.messageId).toBe(`homing-${e.properties!.messageId}-${e.properties!.opened === false ? 'ignored' : 'sent'}`);
  }
  expect(events[0]!.properties).toMatchObject({ messageId: email.id, channel: 'email', template: 'welcome', templateVersion: 1 });
  expect(events[1]!.properties).toMatchObject({ channel: 'sms', template: 'nudge' });
});

it('an opened email reports Message Sent and Message Opened, and nothing else', async () => {
  await startRun('val');
  const mail = await eventually(async () => (await homing.admin('/api/mailbox?to=val@example.com')).body.messages[0], 20_000, "val's email");
  const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(mail.html)![1]!;
  expect((await fetch(pixel)).status).toBe(200);
  expect((await endedRun('val')).result).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
  await eventually(async () => eventsFor('val').length >= 2, 20_000, "val's outcomes");
  await new Promise((r) => setTimeout(r, 3_000));
  expect(summary(eventsFor('val'))).toEqual(['Message Sent:email', 'Message Opened:email']);
  expect(eventsFor('val')[1]!.properties).toMatchObject({ opened: true, status: 'OPENED' });
});

it('while Segment fails, outcomes wait; once it recovers every one arrives, none twice', async () => {
  segment.failWith(500);
  await startRun('wes');
  await endedRun('wes');
  await eventually(async () => segment.refused >= 2, 20_000, 'refused batches');
  expect(eventsFor('wes')).toEqual([]);
  const [email] = (await homing.admin('/api/messages?userId=wes')).body.messages.filter((m: any) => m.channel === 'email');
  expect((await homing.admin(`/api/messages/${email.id}`)).body.outcomes).toMatchObject([{ status: 'SENT', state: 'pending', segmentMessageId: `homing-${email.id}-sent` }]);

  segment.failWith(0);
  await eventually(async () => eventsFor('wes').length >= 3, 90_000, "wes's outcomes after recovery");
  await new Promise((r) => setTimeout(r, 2_000));
  const ids = segment.accepted.map((e) => e.messageId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(summary(eventsFor('wes'))).toEqual(['Message Sent:email', 'Message Sent:sms', 'Message Opened:sms:opened=false']);
  expect((await homing.admin(`/api/messages/${email.id}`)).body.outcomes).toMatchObject([{ status: 'SENT', state: 'exported' }]);
}, 150_000);

it('exports only the statuses chosen in the export settings; the rest are recorded as skipped', async () => {
  expect((await homing.admin('/api/settings/export')).body.statuses).toEqual(['SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'UNDELIVERABLE', 'SUBSCRIPTION_CHANGED']);
  const bad = await homing.admin('/api/settings/export', { method: 'PUT', body: { statuses: ['SENT', 'FAXED'] } });
  expect(bad.status).toBe(400);
  expect((await homing.admin('/api/settings/export', { method: 'PUT', body: { statuses: ['OPENED'] } })).body).toEqual({ statuses: ['OPENED'] });
  await startRun('xia');
  await endedRun('xia');
  await eventually(async () => eventsFor('xia').length >= 1, 20_000, "xia's outcome");
  await new Promise((r) => setTimeout(r, 2_000));
  expect(summary(eventsFor('xia'))).toEqual(['Message Opened:sms:opened=false']);
  const [email] = (await homing.admin('/api/messages?userId=xia')).body.messages.filter((m: any) => m.channel === 'email');
  expect((await homing.admin(`/api/messages/${email.id}`)).body.outcomes).toMatchObject([{ status: 'SENT', state: 'skipped' }]);
  await homing.admin('/api/settings/export', { method: 'PUT', body: { statuses: ['SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'UNDELIVERABLE'] } });
}, 60_000);
