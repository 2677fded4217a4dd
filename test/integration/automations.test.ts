import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { publishMapping, publishTemplates, sendTrial, twilioEnv } from '../helpers/automation';
import { messageIdFor } from '../../src/messaging/send';
import { signToken } from '../../src/messaging/tracking';

/** email-then-sms end to end on the dev server: Segment client → run → SMTP server / Twilio wire → pixel and click. */
let homing: TestHoming;
let smtp: SmtpSink;
let twilio: TwilioSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  twilio = await startTwilioSink();
  homing = await startHoming({ env: { EMAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url, EMAIL_FROM: 'Homing Test <hello@homing.test>', ...twilioEnv(twilio) } });
  await publishTemplates(homing);
  await publishMapping(homing, {
    id: 'trial',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '4s', smsWait: '4s' },
    cancelOn: ['Subscription Started'],
  });
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await smtp?.close();
  await twilio?.close();
});

const startTrial = (userId: string, traits: Record<string, unknown>) => sendTrial(homing, userId, traits);

const runsOf = async (userId: string) => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs as Array<Record<string, any>>;
const endedRun = (userId: string) =>
  eventually(async () => (await runsOf(userId)).find((r) => r.status !== 'running' && r.status !== 'pending'), 30_000, `${userId}'s run to end`);
const emailTo = (address: string) => smtp.waitFor((m) => m.envelope.to.includes(address), 20_000);
const pixelIn = (html: string) => /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(html)?.[1];

it('emails the user; opening it (the pixel) ends the wait and no SMS is sent', async () => {
  await startTrial('ada', { name: 'Ada', email: 'ada@example.com', phone: '+15550100001' });
  const mail = await emailTo('ada@example.com');
  expect(mail.subject).toBe('Welcome, Ada');
  expect(mail.headers.from).toContain('hello@homing.test');
  const pixel = pixelIn(mail.html!);
  expect(pixel).toBeDefined();
  expect(pixel!.startsWith(`${homing.url.replace('localhost', 'localhost')}/t/o/`)).toBe(true);
  // The link is rewritten to the click redirect; the original is not in the html any more.
  expect(mail.html).not.toContain('https://example.com/start');
  expect(mail.text).toMatch(/\/t\/c\//);

  for (let i = 0; i < 2; i++) {
    const res = await fetch(pixel!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
  }
  const run = await endedRun('ada');
  expect(run).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'email', channel: 'email' }, automation: 'email-then-sms', mapping: { id: 'trial', version: 1 } });

  const detail = await homing.admin(`/api/runs/${encodeURIComponent(run.id)}`);
  expect(detail.body.messages).toHaveLength(1);
  const message = await homing.admin(`/api/messages/${detail.body.messages[0].id}`);
  expect(message.body).toMatchObject({ status: 'OPENED', channel: 'email', provider: 'smtp', recipient: 'ada@example.com', template: { id: 'welcome', version: 1 } });
  // Two pixel hits, one open.
  expect(message.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['ENQUEUED', 'SENT', 'OPENED']);
  // Stays so: nothing more is sent to Ada after the SMS wait would have ended.
  await new Promise((r) => setTimeout(r, 4_500));
  expect(twilio.messages.filter((m) => m.form.To === '+15550100001')).toHaveLength(0);
}, 60_000);

it('without an open, sends the SMS with a rewritten link; its click redirects to the original and ends the run', async () => {
  await startTrial('bob', { name: 'Bob', email: 'bob@example.com', phone: '+15550100002' });
  await emailTo('bob@example.com');
  const sms = await eventually(async () => twilio.messages.find((m) => m.form.To === '+15550100002'), 20_000, "Bob's SMS");
  expect(sms.form.From).toBe('+15005550006');
  expect(sms.form.Body).toMatch(/^Bob, your trial is waiting: http:\/\/localhost:\d+\/t\/c\/\S+$/);
  const click = /(http:\/\/\S+\/t\/c\/\S+)$/.exec(sms.form.Body!)![1]!;
  const res = await fetch(click, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('https://example.com/start?plan=pro');
  const run = await endedRun('bob');
  expect(run).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'sms', channel: 'sms' } });
}, 60_000);

it('ignored end to end: email, SMS, then the run ends with opened: false', async () => {
  await startTrial('cyd', { name: 'Cyd', email: 'cyd@example.com', phone: '+15550100003' });
  await emailTo('cyd@example.com');
  const run = await endedRun('cyd');
  expect(run).toMatchObject({ status: 'completed', result: { outcome: 'ignored' } });
  expect(twilio.messages.filter((m) => m.form.To === '+15550100003')).toHaveLength(1);
  const messages = (await homing.admin(`/api/messages?userId=cyd`)).body.messages;
  expect(messages.map((m: { channel: string; status: string }) => `${m.channel}:${m.status}`).sort()).toEqual(['email:SENT', 'sms:SENT']);
}, 60_000);

it('a cancelOn event during the wait cancels the run: no SMS, the email already sent stays SENT', async () => {
  await startTrial('dee', { name: 'Dee', email: 'dee@example.com', phone: '+15550100004' });
  await emailTo('dee@example.com');
  const res = await post(`${homing.url}/segment`, JSON.stringify({ type: 'track', userId: 'dee', event: 'Subscription Started', messageId: 'dee-subscribed' }), {
    authorization: basic(API_KEY),
  });
  expect(res.body.results[0].status).toBe('canceled-run');
  const run = await endedRun('dee');
  expect(run.status).toBe('canceled');
  const messages = (await homing.admin(`/api/messages?userId=dee`)).body.messages;
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ channel: 'email', status: 'SENT' });
  await new Promise((r) => setTimeout(r, 5_000));
  expect(twilio.messages.filter((m) => m.form.To === '+15550100004')).toHaveLength(0);
}, 60_000);

it('the triggering event delivered three times makes one run and one email', async () => {
  await post(`${homing.url}/segment`, JSON.stringify({ type: 'identify', userId: 'eve', traits: { name: 'Eve', email: 'eve@example.com', phone: '+15550100005' }, messageId: 'eve-id' }), {
    authorization: basic(API_KEY),
  });
  const track = JSON.stringify({ type: 'track', userId: 'eve', event: 'Trial Started', properties: { plan: 'basic' }, messageId: 'eve-trial' });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await post(`${homing.url}/segment`, track, { authorization: basic(API_KEY) })).body.results[0].status);
  expect(statuses).toEqual(['mapped', 'duplicate', 'duplicate']);
  await emailTo('eve@example.com');
  await endedRun('eve');
  expect(smtp.messages.filter((m) => m.envelope.to.includes('eve@example.com'))).toHaveLength(1);
  expect(await runsOf('eve')).toHaveLength(1);
}, 60_000);

it('unmapped events stay unmapped, and mapping an event later does not replay the old ones', async () => {
  const send = (messageId: string) =>
    post(`${homing.url}/segment`, JSON.stringify({ type: 'track', userId: 'fay', event: 'Demo Booked', messageId }), { authorization: basic(API_KEY) });
  expect((await send('fay-1')).body.results[0].status).toBe('unmapped');
  await publishMapping(homing, { id: 'demo', trigger: { type: 'track', event: 'Demo Booked' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });
  expect((await send('fay-2')).body.results[0].status).toBe('mapped');
  // Fay has no email: the run waits for one (5 min by default), so once started it stays running.
  const runs = await eventually(async () => {
    const r = await runsOf('fay');
    return r[0]?.status === 'running' ? r : undefined;
  });
  expect(runs.map((r) => r.trigger.messageId)).toEqual(['fay-2']);
});

it('an open that arrives before the workflow waits for it (while the email is still being sent) is not lost', async () => {
  const held = smtp.holdNext(1);
  await startTrial('gus', { name: 'Gus', email: 'gus@example.com', phone: '+15550100007' });
  await held.waiting(1);
  // The email is at the SMTP server, not yet accepted: the workflow is inside its send activity.
  const run = (await runsOf('gus'))[0]!;
  const messageId = messageIdFor(run.id, 'email');
  const pixel = await fetch(`${homing.url}/t/o/${signToken('test-tracking-secret', { m: messageId, k: 'o' })}`);
  expect(pixel.status).toBe(200);
  held.release();
  expect(await endedRun('gus')).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'email', channel: 'email' } });
  const message = await homing.admin(`/api/messages/${messageId}`);
  // The late SENT is on the timeline but does not move the status back.
  expect(message.body.status).toBe('OPENED');
  expect(message.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['ENQUEUED', 'OPENED', 'SENT']);
  expect(twilio.messages.filter((m) => m.form.To === '+15550100007')).toHaveLength(0);
}, 60_000);
