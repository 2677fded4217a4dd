import { eventually, type TestHoming } from '../helpers/homing';
import { startReportingHoming, type ReportingSend } from '../helpers/automation';
import type { SegmentSink } from '../helpers/segment-sink';

/**
 * Cancellation belongs to the run and to the messages it has not sent yet: an
 * email already SENT stays SENT (its timeline notes the cancel, Segment hears
 * no more of it), an email still ENQUEUED (waiting for a contact) becomes CANCELED.
 */
const WRITE_KEY = 'cancel-write-key';
let homing: TestHoming;
let segment: SegmentSink;
let send: ReportingSend;

beforeAll(async () => {
  ({ homing, segment, send } = await startReportingHoming(WRITE_KEY, {
    id: 'trial',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    // Long waits: the cancel always lands while the run is waiting.
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '10m', smsWait: '10m', contactWait: '10m' },
    cancelOn: ['Subscription Started'],
  }));
}, 120_000);
afterAll(async () => {
  await homing?.stop();
  await segment?.close();
});

const runOf = (userId: string) => eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[])[0], 20_000, `${userId}'s run`);
const messagesOf = async (userId: string) => (await homing.admin(`/api/messages?userId=${userId}`)).body.messages as any[];
const messageOf = (userId: string, status: string) =>
  eventually(async () => (await messagesOf(userId)).find((m) => m.status === status), 20_000, `${userId}'s ${status} message`);
const canceledRun = (userId: string) =>
  eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}&status=canceled`)).body.runs as any[])[0], 30_000, `${userId}'s run to be canceled`);
const outcomeStatuses = async (messageId: string) =>
  (await homing.pool.query<{ status: string }>('SELECT status FROM outcomes WHERE message_id = $1 ORDER BY id', [messageId])).rows.map((r) => r.status);

async function cancel(userId: string) {
  const res = await send({ type: 'track', userId, event: 'Subscription Started', messageId: `${userId}-subscribed` });
  expect(res.body.results[0].status).toBe('canceled-run');
}

it('an email already SENT stays SENT after the cancel: the run is canceled, the SMS never sent, Segment hears only Message Sent', async () => {
  await send({ type: 'identify', userId: 'kim', traits: { name: 'Kim', email: 'kim@example.com', phone: '+15550100041' }, messageId: 'kim-identify' });
  await send({ type: 'track', userId: 'kim', event: 'Trial Started', messageId: 'kim-trial' });
  const email = await messageOf('kim', 'SENT');
  await cancel('kim');
  const run = await canceledRun('kim');
  expect(run.status).toBe('canceled');

  const after = await homing.admin(`/api/messages/${email.id}`);
  expect(after.body).toMatchObject({ status: 'SENT', channel: 'email' });
  const kinds = after.body.timeline.map((e: { kind: string }) => e.kind);
  expect(kinds).toEqual(['ENQUEUED', 'SENT', 'run-canceled']);
  // The run is closed: it sends nothing more.
  expect((await messagesOf('kim')).map((m) => m.channel)).toEqual(['email']);
  expect((await homing.admin('/api/mailbox?to=%2B15550100041')).body.messages).toEqual([]);

  // What goes to Segment: the send, nothing for the cancel.
  expect(await outcomeStatuses(email.id)).toEqual(['SENT']);
  const events = await eventually(async () => {
    const e = segment.accepted.filter((x) => x.userId === 'kim');
    return e.length > 0 ? e : undefined;
  }, 20_000, "kim's outcomes");
  expect(events.map((e) => `${e.event}:${e.properties?.status}`)).toEqual(['Message Sent:SENT']);
});

it('an email still ENQUEUED (waiting for a contact) becomes CANCELED, and nothing is reported for it', async () => {
  await send({ type: 'identify', userId: 'lou', traits: { name: 'Lou' }, messageId: 'lou-identify' });
  await send({ type: 'track', userId: 'lou', event: 'Trial Started', messageId: 'lou-trial' });
  await runOf('lou');
  const waiting = await messageOf('lou', 'ENQUEUED');
  await cancel('lou');
  await canceledRun('lou');

  const after = await eventually(async () => {
    const m = await homing.admin(`/api/messages/${waiting.id}`);
    return m.body.status === 'CANCELED' ? m.body : undefined;
  }, 20_000, "lou's email to be CANCELED");
  expect(after.timeline.map((e: { kind: string }) => e.kind)).toEqual(['ENQUEUED', 'CANCELED']);
  expect((await messagesOf('lou')).map((m) => `${m.channel}:${m.status}`)).toEqual(['email:CANCELED']);
  expect(await outcomeStatuses(waiting.id)).toEqual([]);
});
