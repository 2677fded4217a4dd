import crypto from 'node:crypto';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSendGridSink, type SendGridSink, type SendGridSinkMessage } from '../helpers/sendgrid-sink';
import { publishMapping, publishTemplates, sendgridEnv, twilioEnv } from '../helpers/automation';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { messageIdFor } from '../../src/messaging/send';
import { SendGridEmailProvider, parseMailbox } from '../../src/messaging/providers/sendgrid';
import { ProviderError } from '../../src/messaging/providers/types';
import { twilioSignature } from '../../src/webhooks/twilio';

/** Provider webhooks end to end: SendGrid sends the email, Twilio the SMS, and their signed reports move the messages and reach the runs. */
let homing: TestHoming;
let sendgrid: SendGridSink;
let twilio: TwilioSink;

beforeAll(async () => {
  sendgrid = await startSendGridSink();
  twilio = await startTwilioSink();
  homing = await startHoming({
    env: { ...sendgridEnv(sendgrid), ...twilioEnv(twilio) },
  });
  await publishTemplates(homing);
  // A long email wait for the runs that get an open; a short one for those that fall back to SMS.
  const mappings = [
    { id: 'opens', event: 'Trial Started', wait: '60s' },
    { id: 'falls-back', event: 'Demo Booked', wait: '2s' },
  ];
  for (const m of mappings) {
    await publishMapping(homing, { id: m.id, trigger: { type: 'track', event: m.event }, automation: 'email-then-sms', params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: m.wait, smsWait: '2s' } });
  }
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await sendgrid?.close();
  await twilio?.close();
});

interface Message {
  status: string;
  reason: string | null;
  providerMessageId: string | null;
  timeline: Array<{ kind: string; source: string; detail: Record<string, unknown> }>;
}

const message = async (id: string) => (await homing.admin(`/api/messages/${id}`)).body as Message;
const kinds = (m: Message) => m.timeline.map((e) => `${e.kind}:${e.source}`);

/** Identify with contact details, then the mapped event; answers the id of the run's message on `channel`. */
async function trigger(userId: string, event: string, channel: 'email' | 'sms'): Promise<string> {
  const batch = [
    { type: 'identify', userId, messageId: `${userId}-identify`, traits: { name: userId, email: `${userId}@example.com`, phone: `+1555${crypto.randomInt(1e6, 1e7)}` } },
    { type: 'track', userId, event, messageId: `${userId}-track` },
  ];
  expect((await post(`${homing.url}/segment`, JSON.stringify({ batch }), { authorization: basic(API_KEY) })).status).toBe(200);
  const run = await eventually(async () => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs[0] as { id: string } | undefined, 20_000, `${userId}'s run`);
  const id = messageIdFor(run.id, channel);
  // Sent, as recorded by Homing (so the provider's id is known before its reports arrive).
  await eventually(async () => (await homing.admin(`/api/messages/${id}`)).body.status === 'SENT', 20_000, `${userId}'s ${channel} to be SENT`);
  return id;
}

const emailOf = (id: string): SendGridSinkMessage => sendgrid.messages.find((m) => m.body.personalizations[0]?.custom_args?.homing_message_id === id)!;

const ended = (userId: string) =>
  eventually(
    async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as Array<{ status: string; result: unknown }>).find((r) => r.status !== 'running' && r.status !== 'pending'),
    30_000,
    `${userId}'s run to end`,
  );

/** Posts Event Webhook events as SendGrid does: a JSON array, signed (unless other headers are given). */
function postSendGrid(events: unknown[], headers?: (body: string) => Record<string, string>) {
  const body = JSON.stringify(events);
  return post(`${homing.url}/webhooks/sendgrid`, body, headers ? headers(body) : sendgrid.webhookHeaders(body));
}

/** The status callback path Homing gives Twilio with each SMS. */
const callbackPath = (messageId?: string) => `/webhooks/twilio${messageId ? `?message=${messageId}` : ''}`;

/** A status callback as Twilio posts it: form-encoded, signed with the auth token over the URL Homing gave it. */
function postTwilio(
  fields: Record<string, string>,
  path = callbackPath(),
  sign: (params: Array<[string, string]>) => string | undefined = (p) => twilioSignature(twilio.authToken, homing.config.publicUrl + path, p),
) {
  const sid = fields.MessageSid!;
  const form = new URLSearchParams({ ApiVersion: '2010-04-01', AccountSid: twilio.accountSid, SmsSid: sid, SmsStatus: fields.MessageStatus!, From: '+15005550006', To: '+15550100000', ...fields });
  const signature = sign([...form]);
  return post(`${homing.url}${path}`, form.toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'TwilioProxy/1.1',
    ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
  });
}

const twilioSidOf = async (id: string) => (await message(id)).providerMessageId!;

describe('SendGrid', () => {
  it('sends the email through v3 Mail Send; its signed delivered and open events move the message and end the email wait', async () => {
    const id = await trigger('ada', 'Trial Started', 'email');
    const sent = emailOf(id);
    expect(sent.body).toMatchObject({
      personalizations: [{ to: [{ email: 'ada@example.com' }], custom_args: { homing_message_id: id } }],
      from: { email: 'hello@homing.test', name: 'Homing Test' },
      subject: 'Welcome, ada',
      headers: { 'X-Homing-Message-Id': id },
      tracking_settings: { click_tracking: { enable: false } },
    });
    expect(sent.body.content.map((c) => c.type)).toEqual(['text/plain', 'text/html']);
    // Homing's own pixel and click redirect are in the content.
    expect(sent.body.content[1]!.value).toMatch(/\/t\/o\//);
    expect(sent.body.content[0]!.value).toMatch(/\/t\/c\//);
    expect((await message(id)).providerMessageId).toBe(sent.xMessageId);

    const delivered = [sendgrid.event(sent, 'delivered', { response: '250 OK', ip: '168.1.1.1', tls: 1 })];
    const first = await postSendGrid(delivered);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ok: true, results: [{ sgEventId: delivered[0]!.sg_event_id, event: 'delivered', result: 'recorded' }] });
    expect((await message(id)).status).toBe('DELIVERED');
    // SendGrid delivers an event again: one timeline entry.
    expect((await postSendGrid(delivered)).body.results[0].result).toBe('duplicate');

    const open = await postSendGrid([sendgrid.event(sent, 'open', { useragent: 'Mozilla/5.0', ip: '192.0.2.10', sg_machine_open: false })]);
    expect(open.body.results[0].result).toBe('recorded');
    expect(await ended('ada')).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'email', channel: 'email' } });

    const final = await message(id);
    expect(final.status).toBe('OPENED');
    // The open came from SendGrid's report; Homing's pixel was never fetched.
    expect(kinds(final)).toEqual(['ENQUEUED:homing', 'SENT:sendgrid', 'DELIVERED:sendgrid', 'OPENED:sendgrid']);
    expect(final.timeline[3]!.detail).toMatchObject({ event: 'open', useragent: 'Mozilla/5.0' });
    expect(twilio.messages.filter((m) => m.form.Body?.startsWith('ada,'))).toHaveLength(0);
  }, 60_000);

  it('out-of-order events (open before delivered, processed last) do not move the status back', async () => {
    const id = await trigger('eve', 'Trial Started', 'email');
    const sent = emailOf(id);
    const batch = [sendgrid.event(sent, 'open'), sendgrid.event(sent, 'delivered')];
    expect((await postSendGrid(batch)).body.results.map((r: { result: string }) => r.result)).toEqual(['recorded', 'recorded']);
    expect((await postSendGrid([sendgrid.event(sent, 'processed')])).body.results[0].result).toBe('recorded');
    const m = await message(id);
    expect(m.status).toBe('OPENED');
    expect(kinds(m)).toEqual(['ENQUEUED:homing', 'SENT:sendgrid', 'OPENED:sendgrid', 'DELIVERED:sendgrid', 'SENT:sendgrid']);
    expect(await ended('eve')).toMatchObject({ result: { outcome: 'engaged', step: 'email', channel: 'email' } });
    // A spam report after the open is on the timeline only: an engaged message stays engaged.
    await postSendGrid([sendgrid.event(sent, 'spamreport')]);
    expect(await message(id)).toMatchObject({ status: 'OPENED', reason: null });
  }, 60_000);

  it('a bounce makes the email UNDELIVERABLE (bounced), found by sg_message_id when the custom arg is missing', async () => {
    const id = await trigger('gil', 'Demo Booked', 'email');
    const { homing_message_id: _dropped, ...bounce } = sendgrid.event(emailOf(id), 'bounce', { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account does not exist' });
    expect((await postSendGrid([bounce])).body.results[0].result).toBe('recorded');
    const m = await message(id);
    expect(m).toMatchObject({ status: 'UNDELIVERABLE', reason: 'bounced' });
    expect(m.timeline.at(-1)!.detail).toMatchObject({ event: 'bounce', status: '5.1.1' });
  }, 60_000);
});

describe('Twilio', () => {
  it('an ignored email falls back to SMS, sent with the status callback; signed callbacks move it to DELIVERED and never back', async () => {
    const id = await trigger('bob', 'Demo Booked', 'sms');
    const sid = await twilioSidOf(id);
    const sms = twilio.messages.find((m) => m.resource.sid === sid)!;
    expect(sms.form.StatusCallback).toBe(homing.config.publicUrl + callbackPath(id));

    expect((await postTwilio({ MessageSid: sid, MessageStatus: 'sent' }, callbackPath(id))).body).toEqual({ ok: true, result: 'recorded' });
    expect((await message(id)).status).toBe('SENT');
    expect((await postTwilio({ MessageSid: sid, MessageStatus: 'delivered', RawDlrDoneDate: '2402141530' }, callbackPath(id))).body.result).toBe('recorded');
    expect((await message(id)).status).toBe('DELIVERED');
    // Twilio retries a callback: recorded once. A late `sending` goes on the timeline only.
    expect((await postTwilio({ MessageSid: sid, MessageStatus: 'delivered', RawDlrDoneDate: '2402141530' }, callbackPath(id))).body.result).toBe('duplicate');
    expect((await postTwilio({ MessageSid: sid, MessageStatus: 'sending' }, callbackPath(id))).body.result).toBe('recorded');
    const m = await message(id);
    expect(m.status).toBe('DELIVERED');
    expect(m.timeline.map((e) => `${e.kind}:${e.detail.messageStatus ?? ''}`)).toEqual(['ENQUEUED:', 'SENT:', 'SENT:sent', 'DELIVERED:delivered', 'SENT:sending']);
  }, 60_000);

  it('a failed SMS becomes UNDELIVERABLE with its error code', async () => {
    const id = await trigger('cyd', 'Demo Booked', 'sms');
    const sid = await twilioSidOf(id);
    expect((await postTwilio({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30003' }, callbackPath(id))).body.result).toBe('recorded');
    await postTwilio({ MessageSid: sid, MessageStatus: 'sent' }, callbackPath(id));
    const m = await message(id);
    expect(m).toMatchObject({ status: 'UNDELIVERABLE', reason: 'failed' });
    expect(m.timeline.find((e) => e.detail.messageStatus === 'failed')).toMatchObject({ kind: 'UNDELIVERABLE', source: 'twilio', detail: { errorCode: 30003 } });
  }, 60_000);
});

it('a callback that overtakes the recording of its MessageSid finds the message by the id in its URL', async () => {
  const id = await trigger('eli', 'Demo Booked', 'sms');
  const sid = await twilioSidOf(id);
  await homing.pool.query('UPDATE messages SET provider_message_id = NULL WHERE id = $1', [id]);
  expect((await postTwilio({ MessageSid: sid, MessageStatus: 'delivered' }, callbackPath(id))).body.result).toBe('recorded');
  expect(await message(id)).toMatchObject({ status: 'DELIVERED', providerMessageId: sid });
}, 60_000);

describe('refused and unknown reports', () => {
  const expectUnauthorized = (res: { status: number; body: any }, error: RegExp) => {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: expect.stringMatching(error) });
  };

  it('unsigned or badly signed posts get 401 and change nothing', async () => {
    const id = await trigger('dee', 'Trial Started', 'email');
    const sent = emailOf(id);
    const click = [sendgrid.event(sent, 'click', { url: 'https://example.com/start' })];
    const otherKey = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const forgers: Array<(body: string) => Record<string, string>> = [
      () => ({ 'content-type': 'application/json' }),
      (body) => ({ ...sendgrid.webhookHeaders(body), 'x-twilio-email-event-webhook-signature': crypto.sign('sha256', Buffer.from(body), otherKey).toString('base64') }),
      (body) => sendgrid.webhookHeaders(body.replace('click', 'open')),
      (body) => ({ ...sendgrid.webhookHeaders(body), 'x-twilio-email-event-webhook-timestamp': '1' }),
    ];
    for (const forge of forgers) expectUnauthorized(await postSendGrid(click, forge), /X-Twilio-Email-Event-Webhook-Signature/);

    const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
    const twilioForgers: Array<(p: Array<[string, string]>) => string | undefined> = [
      () => undefined,
      (p) => twilioSignature('wrong-token', homing.config.publicUrl + callbackPath(), p),
      (p) => twilioSignature(twilio.authToken, 'https://elsewhere.example.com/webhooks/twilio', p),
      (p) => twilioSignature(twilio.authToken, homing.config.publicUrl + callbackPath(), p.filter(([k]) => k !== 'ErrorCode')),
    ];
    for (const forge of twilioForgers) expectUnauthorized(await postTwilio({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30003' }, callbackPath(), forge), /X-Twilio-Signature/);

    const m = await message(id);
    expect(m.status).toBe('SENT');
    expect(kinds(m)).toEqual(['ENQUEUED:homing', 'SENT:sendgrid']);
  }, 60_000);

  it('reports about messages Homing does not know get 200, so providers stop retrying', async () => {
    expect((await postTwilio({ MessageSid: `SM${crypto.randomBytes(16).toString('hex')}`, MessageStatus: 'delivered' })).body).toEqual({ ok: true, result: 'unknown-message' });
    const unknown = { email: 'x@example.com', timestamp: 1700000000, event: 'delivered', sg_event_id: 'dW5rbm93bg', sg_message_id: 'nobodyknowsme.recvd-1-0' };
    const res = await postSendGrid([{ ...unknown, homing_message_id: 'msg_nope' }, unknown, { ...unknown, event: 'group_resubscribe', sg_event_id: 'b3RoZXI' }]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { result: string }) => r.result)).toEqual(['unknown-message', 'unknown-message', 'ignored']);
  });

  it('signed but malformed: a body that is not an array is 400; a malformed event is skipped, the rest applied', async () => {
    const body = JSON.stringify({ event: 'delivered' });
    const notArray = await post(`${homing.url}/webhooks/sendgrid`, body, sendgrid.webhookHeaders(body));
    expect(notArray.status).toBe(400);
    expect(notArray.body.error).toMatch(/JSON array/);
    const res = await postSendGrid([{ event: 'delivered' }, { email: 'x@example.com', event: 'processed', sg_event_id: 'c2tpcA', homing_message_id: 'msg_nope' }]);
    expect(res.body.results.map((r: { result: string }) => r.result)).toEqual(['invalid', 'unknown-message']);
    const noStatus = await postTwilio({ MessageSid: 'SM1', MessageStatus: '' });
    expect(noStatus.status).toBe(400);
  });

  it('signed reports with text Postgres cannot store (U+0000, lone surrogates): Twilio 400, SendGrid events skipped as invalid', async () => {
    // Form encoding turns lone surrogates into U+FFFD, so only U+0000 reaches Twilio's handler.
    for (const fields of [{ MessageSid: 'SM\u0000x', MessageStatus: 'delivered' }, { MessageSid: 'SM1', MessageStatus: 'deliv\u0000ered' }]) {
      const res = await postTwilio(fields);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/invalid request/);
    }
    const byUrl = await postTwilio({ MessageSid: 'SM2', MessageStatus: 'delivered' }, '/webhooks/twilio?message=msg%00x');
    expect(byUrl.status).toBe(400);
    const event = { email: 'x@example.com', timestamp: 1700000000, event: 'delivered', sg_message_id: 'nul.recvd-1-0' };
    const res = await postSendGrid([
      { ...event, sg_event_id: 'bnVs\u0000' },
      { ...event, sg_event_id: 'c3Vy', homing_message_id: 'msg_\u0000' },
      { ...event, sg_event_id: 'c3Vy2', reason: '\udc00' },
      { ...event, sg_event_id: 'b2s' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { result: string }) => r.result)).toEqual(['invalid', 'invalid', 'invalid', 'unknown-message']);
  });
});

describe('SendGrid Mail Send errors', () => {
  const mail = { messageId: 'msg_direct', to: 'ada@example.com', from: 'Homing <noreply@homing.test>', subject: 'Hi', text: 'Hi' };
  const failure = async (provider: SendGridEmailProvider) => provider.send(mail).then(() => undefined, (e: unknown) => e as ProviderError);

  it("refusals (4xx) are final and carry SendGrid's message; 429, 5xx and unreachable are retried", async () => {
    const provider = new SendGridEmailProvider({ apiKey: sendgrid.apiKey, apiUrl: sendgrid.url });
    sendgrid.failNext(400, 1, { message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' });
    expect(await failure(provider)).toMatchObject({ retryable: false, status: 400, message: 'SendGrid: HTTP 400: personalizations.0.to.0.email: Does not contain a valid address.' });
    for (const status of [429, 500, 503]) {
      sendgrid.failNext(status);
      expect(await failure(provider)).toMatchObject({ retryable: true, status });
    }
    expect(await failure(new SendGridEmailProvider({ apiKey: 'SG.wrong', apiUrl: sendgrid.url }))).toMatchObject({ retryable: false, status: 401 });
    expect(await failure(new SendGridEmailProvider({ apiKey: sendgrid.apiKey, apiUrl: 'http://127.0.0.1:1' }))).toMatchObject({ retryable: true });
    expect(await provider.send(mail)).toEqual({ providerMessageId: sendgrid.messages.at(-1)!.xMessageId });
  });

  it('reads EMAIL_FROM as SendGrid wants it', () => {
    expect(parseMailbox('Homing <noreply@localhost>')).toEqual({ email: 'noreply@localhost', name: 'Homing' });
    expect(parseMailbox('"Doe, Jane" <jane@example.com>')).toEqual({ email: 'jane@example.com', name: 'Doe, Jane' });
    expect(parseMailbox('plain@example.com')).toEqual({ email: 'plain@example.com' });
    expect(parseMailbox('<only@example.com>')).toEqual({ email: 'only@example.com' });
  });
});
