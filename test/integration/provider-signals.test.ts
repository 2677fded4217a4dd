import crypto from 'node:crypto';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates, sendgridEnv, twilioEnv } from '../helpers/automation';
import { startSendGridSink, type SendGridSink } from '../helpers/sendgrid-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { activeSuppressions, consentHistory, preferencesOf } from '../../src/db/consent';
import { messageIdFor } from '../../src/messaging/send';
import { TwilioSmsProvider } from '../../src/messaging/providers/twilio';
import { ProviderError } from '../../src/messaging/providers/types';
import { twilioSignature } from '../../src/webhooks/twilio';

/**
 * Suppression and opt-outs from providers, end to end: a STOP reply to Twilio,
 * Twilio's 21610 refusal, SendGrid's bounces, complaints and unsubscribes, and
 * what the next send to that address does.
 */
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
  await publishMapping(homing, { id: 'text', trigger: { type: 'track', event: 'Text Me' }, automation: 'single-send', params: { channel: 'sms', template: 'nudge', contactWait: '1s' } });
  await publishMapping(homing, { id: 'mail', trigger: { type: 'track', event: 'Mail Me' }, automation: 'single-send', params: { channel: 'email', template: 'welcome', contactWait: '1s' } });
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await sendgrid?.close();
  await twilio?.close();
});

interface Message {
  id: string;
  status: string;
  reason: string | null;
  recipient: string | null;
  timeline: Array<{ kind: string; source: string; detail: Record<string, unknown> }>;
}

const message = async (id: string) => (await homing.admin(`/api/messages/${id}`)).body as Message;
const segment = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

/** Sets the person's traits, triggers one single-send run and answers its message once the send is decided (sent or not). */
async function sendOne(userId: string, event: 'Text Me' | 'Mail Me', traits: Record<string, unknown>): Promise<Message> {
  const trigger = `${userId}-${crypto.randomUUID()}`;
  expect((await segment({ batch: [{ type: 'identify', userId, messageId: `${trigger}-identify`, traits: { name: userId, ...traits } }, { type: 'track', userId, event, messageId: trigger }] })).status).toBe(200);
  const runId = await eventually(async () => (await homing.pool.query<{ id: string }>('SELECT id FROM runs WHERE trigger_message_id = $1', [trigger])).rows[0]?.id, 20_000, `${userId}'s run`);
  const id = messageIdFor(runId, 'message');
  return eventually(
    async () => {
      const m = await message(id);
      return m.status === 'SENT' || m.status === 'UNDELIVERABLE' ? m : undefined;
    },
    20_000,
    `${userId}'s message to be sent or refused`,
  );
}

const suppressionOf = async (channel: string, address: string) => (await activeSuppressions(homing.pool, { channel, address, limit: 1 }))[0];

const INBOUND_PATH = '/webhooks/twilio/inbound';

/** An incoming message as Twilio posts it to the number's webhook: form-encoded, signed over PUBLIC_URL + path. */
function postInbound(fields: Record<string, string>, sign: (params: Array<[string, string]>) => string | undefined = (p) => twilioSignature(twilio.authToken, homing.config.publicUrl + INBOUND_PATH, p)) {
  const form = new URLSearchParams({ ToCountry: 'US', SmsMessageSid: fields.MessageSid ?? '', NumMedia: '0', To: '+15005550006', AccountSid: twilio.accountSid, ApiVersion: '2010-04-01', ...fields });
  const signature = sign([...form]);
  return post(`${homing.url}${INBOUND_PATH}`, form.toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'TwilioProxy/1.1',
    ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
  });
}
const reply = (from: string, body: string, extra: Record<string, string> = {}) => postInbound({ From: from, Body: body, MessageSid: `SM${crypto.randomBytes(16).toString('hex')}`, ...extra });
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function postSendGrid(events: unknown[]) {
  const body = JSON.stringify(events);
  return post(`${homing.url}/webhooks/sendgrid`, body, sendgrid.webhookHeaders(body));
}
const sentEmail = (id: string) => sendgrid.messages.find((m) => m.body.personalizations[0]?.custom_args?.homing_message_id === id)!;

describe('Twilio: STOP and START replies', () => {
  it('a STOP reply suppresses the number and unsubscribes its people from SMS; the next SMS is not sent; START resumes', async () => {
    // Written with separators in the profile: the number is matched as sends store it (E.164).
    const phone = '+1 (555) 201-0001';
    const number = '+15552010001';
    const first = await sendOne('sam', 'Text Me', { phone });
    expect(first).toMatchObject({ status: 'SENT', recipient: number });

    const stop = await reply(number, ' Stop ');
    expect(stop.status).toBe(200);
    expect(stop.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(stop.body).toBe(EMPTY_TWIML);
    expect(await suppressionOf('sms', number)).toMatchObject({ reason: 'opted-out', source: 'twilio', evidence: { body: ' Stop ' } });
    expect(await preferencesOf(homing.pool, 'sam')).toEqual([expect.objectContaining({ channel: 'sms', topic: '', subscribed: false, source: 'twilio' })]);
    expect((await consentHistory(homing.pool, 'sam', 10))[0]).toMatchObject({ channel: 'sms', topic: '', subscribed: false, source: 'twilio', evidence: { from: number } });
    // Twilio repeats the post when its first try timed out: nothing new is recorded.
    await reply(number, 'STOP');
    expect(await consentHistory(homing.pool, 'sam', 10)).toHaveLength(1);

    const sentBefore = twilio.messages.length;
    expect(await sendOne('sam', 'Text Me', { phone })).toMatchObject({ status: 'UNDELIVERABLE', reason: 'suppressed' });
    expect(twilio.messages).toHaveLength(sentBefore);

    expect((await reply(number, 'start')).body).toBe(EMPTY_TWIML);
    expect(await suppressionOf('sms', number)).toBeUndefined();
    expect(await preferencesOf(homing.pool, 'sam')).toEqual([expect.objectContaining({ channel: 'sms', topic: '', subscribed: true, source: 'twilio' })]);
    expect(await sendOne('sam', 'Text Me', { phone })).toMatchObject({ status: 'SENT' });
    expect(twilio.messages).toHaveLength(sentBefore + 1);
  }, 60_000);

  it('"please don\'t stop", HELP and a WhatsApp STOP change nothing; a number nobody was sent to is still suppressed', async () => {
    const number = '+15552010002';
    await sendOne('pia', 'Text Me', { phone: number });
    for (const body of ["please don't stop", 'STOP PLEASE', 'HELP']) expect((await reply(number, body)).status).toBe(200);
    // A WhatsApp user's STOP is not an SMS opt-out of their number.
    expect((await reply(`whatsapp:${number}`, 'STOP')).body).toBe(EMPTY_TWIML);
    expect(await suppressionOf('sms', number)).toBeUndefined();
    expect(await preferencesOf(homing.pool, 'pia')).toEqual([]);
    expect(await sendOne('pia', 'Text Me', { phone: number })).toMatchObject({ status: 'SENT' });

    const stranger = '+15552010003';
    await reply(stranger, 'QUIT');
    expect(await suppressionOf('sms', stranger)).toMatchObject({ reason: 'opted-out' });
  }, 60_000);

  it("START never lifts what is not an opt-out (a manual suppression); Advanced Opt-Out's OptOutType decides for its own keywords", async () => {
    const number = '+15552010004';
    await homing.pool.query(`INSERT INTO suppressions (channel, address, reason, source) VALUES ('sms', $1, 'manual', 'api')`, [number]);
    await reply(number, 'START');
    expect(await suppressionOf('sms', number)).toMatchObject({ reason: 'manual' });

    const other = '+15552010005';
    await reply(other, 'ARRET', { OptOutType: 'STOP' });
    expect(await suppressionOf('sms', other)).toMatchObject({ reason: 'opted-out', evidence: { optOutType: 'STOP' } });
  }, 60_000);

  it('unsigned or badly signed posts get 401 and change nothing; signed but malformed get 400', async () => {
    const number = '+15552010006';
    const forgers: Array<(p: Array<[string, string]>) => string | undefined> = [
      () => undefined,
      (p) => twilioSignature('wrong-token', homing.config.publicUrl + INBOUND_PATH, p),
      (p) => twilioSignature(twilio.authToken, `${homing.config.publicUrl}/webhooks/twilio`, p),
      (p) => twilioSignature(twilio.authToken, homing.config.publicUrl + INBOUND_PATH, p.map(([k, v]) => [k, k === 'Body' ? 'HELLO' : v])),
    ];
    for (const forge of forgers) {
      const res = await postInbound({ From: number, Body: 'STOP', MessageSid: 'SMforged' }, forge);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: expect.stringMatching(/X-Twilio-Signature/) });
    }
    expect(await suppressionOf('sms', number)).toBeUndefined();

    const noFrom = await postInbound({ Body: 'STOP', MessageSid: 'SM1' });
    expect(noFrom.status).toBe(400);
    expect(noFrom.body.error).toMatch(/From/);
    expect((await postInbound({ From: number, Body: 'STOP\u0000', MessageSid: 'SM1' })).status).toBe(400);
    expect(await suppressionOf('sms', number)).toBeUndefined();
  });
});

describe('Twilio: error 21610 on a send', () => {
  it('is a final refusal that says the recipient opted out', async () => {
    const provider = new TwilioSmsProvider({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15005550006', apiUrl: twilio.url });
    twilio.failNext(400, 1, { code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const err = await provider.send({ messageId: 'msg_direct21610', to: '+15552010007', text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: false, recipientOptedOut: true, status: 400 });
    // Any other refusal is not an opt-out.
    twilio.failNext(400);
    expect(await provider.send({ messageId: 'msg_direct21211', to: '+15552010007', text: 'hi' }).catch((e: unknown) => e)).toMatchObject({ retryable: false, recipientOptedOut: false });
  });

  it('opts the number out: the message is UNDELIVERABLE (unsubscribed) and the number suppressed', async () => {
    const number = '+15552010008';
    twilio.failNext(400, 1, { code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    expect(await sendOne('una', 'Text Me', { phone: number })).toMatchObject({ status: 'UNDELIVERABLE', reason: 'unsubscribed' });
    expect(await suppressionOf('sms', number)).toMatchObject({ reason: 'opted-out', source: 'twilio' });
    expect(await preferencesOf(homing.pool, 'una')).toEqual([expect.objectContaining({ channel: 'sms', topic: '', subscribed: false })]);
  }, 60_000);
});

describe('SendGrid: bounces, complaints and unsubscribes', () => {
  it('a hard bounce suppresses the address: the next email to it is not sent', async () => {
    const first = await sendOne('hal', 'Mail Me', { email: 'hal@example.com' });
    const bounce = sendgrid.event(sentEmail(first.id), 'bounce', { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account does not exist' });
    expect((await postSendGrid([bounce])).body.results[0].result).toBe('recorded');
    expect(await message(first.id)).toMatchObject({ status: 'UNDELIVERABLE', reason: 'bounced' });
    expect(await suppressionOf('email', 'hal@example.com')).toMatchObject({ reason: 'bounced', source: 'sendgrid', evidence: { event: 'bounce', sgEventId: bounce.sg_event_id, status: '5.1.1' } });
    // The address, not the person: their marketing choice is untouched.
    expect(await preferencesOf(homing.pool, 'hal')).toEqual([]);

    const sentBefore = sendgrid.messages.length;
    expect(await sendOne('hal', 'Mail Me', { email: 'hal@example.com' })).toMatchObject({ status: 'UNDELIVERABLE', reason: 'suppressed' });
    expect(sendgrid.messages).toHaveLength(sentBefore);
  }, 60_000);

  it('a soft bounce (blocked) and a drop for another reason suppress nothing', async () => {
    const first = await sendOne('bea', 'Mail Me', { email: 'bea@example.com' });
    await postSendGrid([sendgrid.event(sentEmail(first.id), 'bounce', { type: 'blocked', status: '4.0.0', reason: '421 try again later' })]);
    expect(await message(first.id)).toMatchObject({ status: 'UNDELIVERABLE', reason: 'bounced' });
    const second = await sendOne('bea', 'Mail Me', { email: 'bea@example.com' });
    expect(second.status).toBe('SENT');
    await postSendGrid([sendgrid.event(sentEmail(second.id), 'dropped', { reason: 'Invalid SMTPAPI header' })]);
    expect(await message(second.id)).toMatchObject({ status: 'UNDELIVERABLE', reason: 'failed' });
    expect(await suppressionOf('email', 'bea@example.com')).toBeUndefined();
    expect(await sendOne('bea', 'Mail Me', { email: 'bea@example.com' })).toMatchObject({ status: 'SENT' });
  }, 60_000);

  it("a drop for an address on SendGrid's bounce list suppresses it here too", async () => {
    const first = await sendOne('dot', 'Mail Me', { email: 'dot@example.com' });
    await postSendGrid([sendgrid.event(sentEmail(first.id), 'dropped', { reason: 'Bounced Address', status: '5.0.0' })]);
    expect(await message(first.id)).toMatchObject({ status: 'UNDELIVERABLE', reason: 'suppressed' });
    expect(await suppressionOf('email', 'dot@example.com')).toMatchObject({ reason: 'bounced', source: 'sendgrid' });
  }, 60_000);

  it('a spam complaint suppresses the address and unsubscribes its people from email; the delivered message stays delivered', async () => {
    const first = await sendOne('spa', 'Mail Me', { email: 'spa@example.com' });
    await postSendGrid([sendgrid.event(sentEmail(first.id), 'delivered')]);
    await postSendGrid([sendgrid.event(sentEmail(first.id), 'spamreport')]);
    const m = await message(first.id);
    expect(m).toMatchObject({ status: 'DELIVERED', reason: null });
    expect(m.timeline.at(-1)).toMatchObject({ kind: 'DELIVERED', source: 'sendgrid', detail: { event: 'spamreport' } });
    expect(await suppressionOf('email', 'spa@example.com')).toMatchObject({ reason: 'spam-complaint', source: 'sendgrid' });
    expect(await preferencesOf(homing.pool, 'spa')).toEqual([expect.objectContaining({ channel: 'email', topic: '', subscribed: false, source: 'sendgrid' })]);
  }, 60_000);

  it('an unsubscribe sets the preference, keeps the consent record and queues Subscription Changed; the message is not made undeliverable', async () => {
    const first = await sendOne('uma', 'Mail Me', { email: 'uma@example.com' });
    const unsubscribe = sendgrid.event(sentEmail(first.id), 'group_unsubscribe', { asm_group_id: 42, useragent: 'Mozilla/5.0', ip: '192.0.2.7' });
    expect((await postSendGrid([unsubscribe])).body.results[0].result).toBe('recorded');
    expect(await message(first.id)).toMatchObject({ status: 'DELIVERED', reason: null });

    expect(await preferencesOf(homing.pool, 'uma')).toEqual([expect.objectContaining({ channel: 'email', topic: '', subscribed: false, source: 'sendgrid' })]);
    expect(await consentHistory(homing.pool, 'uma', 10)).toEqual([
      expect.objectContaining({ channel: 'email', topic: '', subscribed: false, source: 'sendgrid', evidence: expect.objectContaining({ event: 'group_unsubscribe', asmGroupId: 42, sgEventId: unsubscribe.sg_event_id, messageId: first.id }) }),
    ]);
    const { rows } = await homing.pool.query(`SELECT status, properties FROM outcomes WHERE user_id = $1 AND message_id IS NULL`, ['uma']);
    expect(rows).toEqual([{ status: 'SUBSCRIPTION_CHANGED', properties: { channel: 'email', topic: null, subscribed: false, source: 'sendgrid' } }]);
    // An unsubscribe is not a suppression: transactional mail still reaches the address.
    expect(await suppressionOf('email', 'uma@example.com')).toBeUndefined();
    // SendGrid redelivers the event: recorded once.
    expect((await postSendGrid([unsubscribe])).body.results[0].result).toBe('duplicate');
    expect(await consentHistory(homing.pool, 'uma', 10)).toHaveLength(1);
  }, 60_000);
});
