import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../src/config';
import { createDatabase } from '../../src/db/create-database';
import { migrate } from '../../src/db/migrate';
import { createPool, type Pool } from '../../src/db/pool';
import { createProviders } from '../../src/messaging/providers';
import { listMailbox, MailboxEmailProvider, MailboxSmsProvider } from '../../src/messaging/providers/mailbox';
import { SmtpEmailProvider, smtpMessageId } from '../../src/messaging/providers/smtp';
import { TwilioSmsProvider } from '../../src/messaging/providers/twilio';
import { ProviderError } from '../../src/messaging/providers/types';
import { tempDir } from '../helpers/servers';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';

const email = (messageId: string) => ({
  messageId,
  to: 'ada@example.com',
  from: 'Homing <noreply@homing.test>',
  subject: 'Hello Ada ✓',
  // Long enough for quoted-printable soft line breaks.
  html: `<p>Hi <a href="https://example.com/?a=1&amp;b=2">there</a></p><p>${'Grüße aus Homing. '.repeat(12)}</p>`,
  text: 'Hi there https://example.com/?a=1&b=2',
});

/** The ProviderError a failed send rejects with. */
async function failure(send: Promise<unknown>): Promise<ProviderError> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('mailbox', () => {
  let pool: Pool;
  beforeAll(async () => {
    const url = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_providers_${crypto.randomBytes(4).toString('hex')}`);
    pool = createPool(url, 5);
    await migrate(pool);
  });
  afterAll(() => pool.end());

  it('stores a message once, however often it is sent, and answers the same id', async () => {
    const provider = new MailboxEmailProvider(pool);
    const results = await Promise.all(Array.from({ length: 5 }, () => provider.send(email('msg_mailbox_1'))));
    expect(new Set(results.map((r) => r.providerMessageId))).toEqual(new Set(['mailbox-msg_mailbox_1']));
    await provider.send({ ...email('msg_mailbox_1'), subject: 'changed' });
    const entries = await listMailbox(pool, { to: 'ada@example.com', limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ messageId: 'msg_mailbox_1', channel: 'email', to: 'ada@example.com', from: 'Homing <noreply@homing.test>', subject: 'Hello Ada ✓' });
    expect(entries[0]!.html).toContain('https://example.com/');
  });

  it('lists newest first, by channel and recipient, a page at a time', async () => {
    const sms = new MailboxSmsProvider(pool);
    for (let i = 0; i < 3; i++) await sms.send({ messageId: `msg_sms_${i}`, to: '+15550100', text: `code ${i}` });
    await sms.send({ messageId: 'msg_sms_other', to: '+15550199', text: 'other' });
    const page1 = await listMailbox(pool, { channel: 'sms', to: '+15550100', limit: 2 });
    expect(page1.map((e) => e.text)).toEqual(['code 2', 'code 1']);
    expect(page1[0]).toMatchObject({ channel: 'sms', from: null, subject: null, html: null });
    const page2 = await listMailbox(pool, { channel: 'sms', to: '+15550100', limit: 2, before: page1[1]!.id });
    expect(page2.map((e) => e.text)).toEqual(['code 0']);
    expect((await listMailbox(pool, { channel: 'email', limit: 10 })).map((e) => e.messageId)).toEqual(['msg_mailbox_1']);
  });

  it('is what createProviders chooses by default', async () => {
    const providers = createProviders(configFor({}), pool);
    expect([providers.email.name, providers.sms.name]).toEqual(['mailbox', 'mailbox']);
    await providers.close();
  });
});

describe('smtp', () => {
  let sink: SmtpSink;
  let provider: SmtpEmailProvider;
  beforeAll(async () => {
    sink = await startSmtpSink();
    provider = new SmtpEmailProvider(sink.url.replace('smtp://', 'smtp://homing:secret@'));
  });
  afterAll(async () => {
    provider.close();
    await sink.close();
  });

  it('delivers with a Message-ID derived from the idempotency key', async () => {
    const result = await provider.send(email('msg_smtp_1'));
    expect(result.providerMessageId).toBe('<msg_smtp_1@homing>');
    const received = await sink.waitFor((m) => m.headers['x-homing-message-id'] === 'msg_smtp_1');
    expect(received).toMatchObject({
      envelope: { from: 'noreply@homing.test', to: ['ada@example.com'] },
      user: 'homing',
      messageId: '<msg_smtp_1@homing>',
      subject: 'Hello Ada ✓',
      to: 'ada@example.com',
      html: email('').html,
      text: email('').text,
    });
    // The same key makes the same Message-ID, so a resend is recognisable downstream.
    await provider.send(email('msg_smtp_1'));
    expect(sink.messages.filter((m) => m.messageId === '<msg_smtp_1@homing>')).toHaveLength(2);
  });

  it('refuses, for good, a recipient that is not exactly one address, and sends nothing', async () => {
    const hostile = ['a@example.com, evil@attacker.test', 'a@example.com;evil@attacker.test', 'undisclosed:e1@attacker.test,e2@attacker.test;', 'a@example.com\r\nBcc: evil@attacker.test', 'Ada <evil@attacker.test>'];
    for (const [i, to] of hostile.entries()) {
      const refused = await failure(provider.send({ ...email(`msg_smtp_list_${i}`), to }));
      expect(refused).toMatchObject({ retryable: false, status: undefined });
      expect(refused.message).toMatch(/not one email address/);
    }
    await provider.send(email('msg_smtp_after_lists'));
    await sink.waitFor((m) => m.messageId === '<msg_smtp_after_lists@homing>');
    expect(sink.messages.flatMap((m) => m.envelope.to).filter((r) => r !== 'ada@example.com')).toEqual([]);
    expect(sink.messages.some((m) => /msg_smtp_list_/.test(m.messageId ?? ''))).toBe(false);
  });

  it('keeps Message-IDs well-formed and distinct whatever the key', () => {
    expect(smtpMessageId('run:1/step a%')).toBe('<run%3A1/step%20a%25@homing>');
    expect(smtpMessageId('a b')).not.toBe(smtpMessageId('a%20b'));
  });

  it('reports a permanent 5xx as non-retryable and a 4xx as retryable', async () => {
    sink.failWith(550, 1, 'Mailbox unavailable');
    const permanent = await failure(provider.send(email('msg_smtp_550')));
    expect(permanent).toMatchObject({ retryable: false, status: 550 });
    expect(permanent.message).toMatch(/Mailbox unavailable/);

    sink.failWith(451, 1);
    expect(await failure(provider.send(email('msg_smtp_451')))).toMatchObject({ retryable: true, status: 451 });
    // The next attempt goes through on the same pooled transport.
    await provider.send(email('msg_smtp_451'));
    await sink.waitFor((m) => m.messageId === '<msg_smtp_451@homing>');
    expect(sink.messages.some((m) => m.messageId === '<msg_smtp_550@homing>')).toBe(false);
  });

  it('reports an unreachable server as retryable', async () => {
    const closed = await startSmtpSink();
    await closed.close();
    const unreachable = new SmtpEmailProvider(closed.url);
    try {
      expect(await failure(unreachable.send(email('msg_smtp_down')))).toMatchObject({ retryable: true, status: undefined });
    } finally {
      unreachable.close();
    }
  });

  it('records a held message only once it is answered, and never when the client left first', async () => {
    const hold = sink.holdNext();
    const sending = provider.send(email('msg_smtp_held'));
    await hold.waiting();
    expect(sink.messages.some((m) => m.messageId === '<msg_smtp_held@homing>')).toBe(false);
    hold.release();
    await sending;
    expect(sink.messages.some((m) => m.messageId === '<msg_smtp_held@homing>')).toBe(true);

    // A client that gives up while waiting for the answer, as a killed worker would.
    const abort = new AbortController();
    const second = sink.holdNext();
    const lost = nodemailer.createTransport(sink.url).sendMail({ ...email('msg_smtp_lost'), messageId: '<msg_smtp_lost@homing>', signal: abort.signal }).catch((e: unknown) => e);
    await second.waiting();
    abort.abort();
    expect(await lost).toBeInstanceOf(Error);
    while (sink.unanswered.length === 0) await new Promise((r) => setTimeout(r, 10));
    second.release();
    expect(sink.unanswered.map((m) => m.messageId)).toEqual(['<msg_smtp_lost@homing>']);
    expect(sink.messages.some((m) => m.messageId === '<msg_smtp_lost@homing>')).toBe(false);
  });
});

describe('twilio', () => {
  let sink: TwilioSink;
  let provider: TwilioSmsProvider;
  beforeAll(async () => {
    sink = await startTwilioSink();
    provider = new TwilioSmsProvider({ accountSid: sink.accountSid, authToken: sink.authToken, from: '+15550000', apiUrl: `${sink.url}/` });
  });
  afterAll(() => sink.close());

  const sms = (messageId: string) => ({ messageId, to: '+15550100', text: 'Your code: 1234 https://example.com/x', statusCallbackUrl: 'https://homing.test/webhooks/twilio' });

  it('posts the form with Basic auth and the idempotency token, and answers the message sid', async () => {
    const result = await provider.send(sms('msg_twilio_1'));
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    const request = sink.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${sink.accountSid}/Messages.json`, status: 201 });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${sink.accountSid}:${sink.authToken}`).toString('base64')}`);
    expect(request.headers['i-twilio-idempotency-token']).toBe('msg_twilio_1');
    expect(request.form).toEqual({ To: '+15550100', From: '+15550000', Body: 'Your code: 1234 https://example.com/x', StatusCallback: 'https://homing.test/webhooks/twilio' });
    expect(sink.messages.at(-1)!.resource).toMatchObject({ sid: result.providerMessageId, status: 'queued', to: '+15550100' });
  });

  it('sends once per idempotency key', async () => {
    const first = await provider.send(sms('msg_twilio_2'));
    const again = await provider.send(sms('msg_twilio_2'));
    expect(again).toEqual(first);
    expect(sink.messages.filter((m) => m.idempotencyToken === 'msg_twilio_2')).toHaveLength(1);
  });

  it("reports a 4xx as non-retryable with Twilio's code and message", async () => {
    sink.failNext(400);
    const err = await failure(provider.send(sms('msg_twilio_400')));
    expect(err).toMatchObject({ retryable: false, status: 400 });
    expect(err.message).toBe("Twilio: HTTP 400: The 'To' number is not a valid phone number. (code 21211)");

    const wrongToken = new TwilioSmsProvider({ accountSid: sink.accountSid, authToken: 'wrong', from: '+15550000', apiUrl: sink.url });
    expect(await failure(wrongToken.send(sms('msg_twilio_401')))).toMatchObject({ retryable: false, status: 401, message: expect.stringMatching(/code 20003/) });
    expect(sink.messages.some((m) => m.idempotencyToken?.startsWith('msg_twilio_40'))).toBe(false);
  });

  it('reports 500, 429 and network failures as retryable; a retry then sends once', async () => {
    sink.failNext(500);
    sink.failNext(429);
    expect(await failure(provider.send(sms('msg_twilio_retry')))).toMatchObject({ retryable: true, status: 500 });
    expect(await failure(provider.send(sms('msg_twilio_retry')))).toMatchObject({ retryable: true, status: 429 });
    await provider.send(sms('msg_twilio_retry'));
    expect(sink.messages.filter((m) => m.idempotencyToken === 'msg_twilio_retry')).toHaveLength(1);

    const down = await startTwilioSink();
    await down.close();
    const unreachable = new TwilioSmsProvider({ accountSid: down.accountSid, authToken: down.authToken, from: '+15550000', apiUrl: down.url });
    expect(await failure(unreachable.send(sms('msg_twilio_down')))).toMatchObject({ retryable: true, status: undefined });
  });

  it('is what createProviders chooses for SMS_PROVIDER=twilio', async () => {
    const config = configFor({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: sink.accountSid, TWILIO_AUTH_TOKEN: sink.authToken, TWILIO_FROM: '+15550001', TWILIO_API_URL: sink.url });
    const providers = createProviders(config, undefined as unknown as Pool);
    expect(providers.sms.name).toBe('twilio');
    await providers.sms.send(sms('msg_twilio_config'));
    expect(sink.messages.at(-1)!.form.From).toBe('+15550001');
    await providers.close();
  });
});

describe('createProviders', () => {
  it('builds smtp from SMTP_URL and closes its pool', async () => {
    const sink = await startSmtpSink();
    const providers = createProviders(configFor({ EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url }), undefined as unknown as Pool);
    expect(providers.email.name).toBe('smtp');
    await providers.email.send(email('msg_factory_smtp'));
    await providers.close();
    await sink.close();
    expect(sink.messages.map((m) => m.messageId)).toEqual(['<msg_factory_smtp@homing>']);
  });

  it('uses sendgrid when configured', () => {
    const providers = createProviders(configFor({ EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: 'SG.x' }), undefined as unknown as Pool);
    expect(providers.email.name).toBe('sendgrid');
  });
});

function configFor(env: Record<string, string>) {
  return loadConfig({ HOMING_DATA_DIR: tempDir('homing-providers-'), HOMING_API_KEY: 'k', HOMING_ADMIN_TOKEN: 't', TRACKING_SECRET: 's', ...env });
}
