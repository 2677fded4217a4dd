import crypto from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { sendgridEvent, sendgridPublicKey, sendgridStatusChange, verifySendGridSignature } from '../../src/webhooks/sendgrid';
import { twilioSignature, twilioStatusCallback, twilioStatusChange, verifyTwilioSignature } from '../../src/webhooks/twilio';

describe('Twilio X-Twilio-Signature', () => {
  // The worked example of Twilio's security docs and helper-library snippets.
  const authToken = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params: Array<[string, string]> = [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+14158675309'],
    ['Digits', '1234'],
    ['From', '+14158675309'],
    ['To', '+18005551212'],
  ];
  const documented = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it("matches Twilio's documented example", () => {
    expect(twilioSignature(authToken, url, params)).toBe(documented);
    // The newer snippet of the same example, with other numbers.
    const other = params.map(([k, v]): [string, string] => [k, v.replace('+14158675309', '+14158675310')]);
    expect(twilioSignature(authToken, url, other)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
  });

  it('sorts parameters by name, whatever order they were posted in', () => {
    expect(verifyTwilioSignature(authToken, url, [...params].reverse(), documented)).toBe(true);
  });

  it('rejects a changed parameter, URL or token, and a missing or garbled header', () => {
    const changed = params.map(([k, v]): [string, string] => [k, k === 'Digits' ? '1235' : v]);
    expect(verifyTwilioSignature(authToken, url, changed, documented)).toBe(false);
    expect(verifyTwilioSignature(authToken, url.replace('https', 'http'), params, documented)).toBe(false);
    expect(verifyTwilioSignature(authToken, `${url}&baz=3`, params, documented)).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, documented)).toBe(false);
    expect(verifyTwilioSignature(authToken, url, [...params, ['Extra', 'x']], documented)).toBe(false);
    expect(verifyTwilioSignature(authToken, url, params, undefined)).toBe(false);
    expect(verifyTwilioSignature(authToken, url, params, '')).toBe(false);
    expect(verifyTwilioSignature(authToken, url, params, documented.slice(0, -1))).toBe(false);
  });
});

describe('Twilio status callbacks', () => {
  const callback = (fields: Record<string, string>) =>
    twilioStatusCallback.parse({
      ApiVersion: '2010-04-01',
      AccountSid: 'AC00000000000000000000000000000001',
      SmsSid: 'SM00000000000000000000000000000001',
      MessageSid: 'SM00000000000000000000000000000001',
      From: '+15005550006',
      To: '+15550100001',
      ...fields,
      SmsStatus: fields.MessageStatus ?? '',
    });

  it('maps delivered, failures with their error code, and earlier statuses', () => {
    expect(twilioStatusChange(callback({ MessageStatus: 'delivered' }))).toMatchObject({
      status: 'DELIVERED',
      source: 'twilio',
      dedupeKey: 'twilio:SM00000000000000000000000000000001:delivered',
    });
    for (const status of ['undelivered', 'failed']) {
      expect(twilioStatusChange(callback({ MessageStatus: status, ErrorCode: '30003' }))).toMatchObject({
        status: 'UNDELIVERABLE',
        reason: 'failed',
        detail: { messageStatus: status, errorCode: 30003 },
      });
    }
    for (const status of ['queued', 'accepted', 'sending', 'sent']) expect(twilioStatusChange(callback({ MessageStatus: status })).status).toBe('SENT');
  });

  it('refuses a callback without the message sid or status', () => {
    expect(() => twilioStatusCallback.parse({ MessageStatus: 'sent' })).toThrow();
    expect(() => twilioStatusCallback.parse({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: 'oops' })).toThrow();
  });
});

describe('SendGrid Signed Event Webhook', () => {
  // The vector of SendGrid's own Node helper (@sendgrid/eventwebhook tests).
  const official = {
    key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==',
    otherKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==',
    signature: 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
    timestamp: '1588788367',
    payload: Buffer.from('{"category":"example_payload","event":"test_event","message_id":"message_id"}'),
  };

  it("accepts SendGrid's published example and rejects its negative cases", () => {
    const key = sendgridPublicKey(official.key)!;
    expect(verifySendGridSignature(key, official.timestamp, official.payload, official.signature)).toBe(true);
    expect(verifySendGridSignature(sendgridPublicKey(official.otherKey)!, official.timestamp, official.payload, official.signature)).toBe(false);
    expect(verifySendGridSignature(key, official.timestamp, Buffer.from('payload'), official.signature)).toBe(false);
    expect(verifySendGridSignature(key, 'timestamp', official.payload, official.signature)).toBe(false);
    const flipped = official.signature.replace('NH2j', 'NH3j');
    expect(verifySendGridSignature(key, official.timestamp, official.payload, flipped)).toBe(false);
  });

  describe('with a generated P-256 key pair', () => {
    const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = sendgridPublicKey(pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'))!;
    const body = Buffer.from(JSON.stringify([{ email: 'ada@example.com', event: 'delivered', sg_event_id: 'ev1', timestamp: 1700000000 }]));
    const timestamp = '1700000005';
    const sign = (data: Buffer, privateKey = pair.privateKey) => crypto.sign('sha256', data, privateKey).toString('base64');
    const signature = sign(Buffer.concat([Buffer.from(timestamp), body]));

    it('verifies a signature over timestamp + raw body', () => {
      expect(verifySendGridSignature(key, timestamp, body, signature)).toBe(true);
    });

    it('rejects a tampered body or timestamp', () => {
      expect(verifySendGridSignature(key, timestamp, Buffer.from(body.toString().replace('delivered', 'open')), signature)).toBe(false);
      // The same JSON re-serialised is not the same bytes.
      expect(verifySendGridSignature(key, timestamp, Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1)), signature)).toBe(false);
      expect(verifySendGridSignature(key, '1700000006', body, signature)).toBe(false);
    });

    it('rejects a signature made with another key, over the body alone, or not DER at all', () => {
      const other = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      expect(verifySendGridSignature(key, timestamp, body, sign(Buffer.concat([Buffer.from(timestamp), body]), other))).toBe(false);
      expect(verifySendGridSignature(key, timestamp, body, sign(body))).toBe(false);
      expect(verifySendGridSignature(key, timestamp, body, Buffer.from('not a signature').toString('base64'))).toBe(false);
    });

    it('rejects missing headers', () => {
      expect(verifySendGridSignature(key, undefined, body, signature)).toBe(false);
      expect(verifySendGridSignature(key, timestamp, body, undefined)).toBe(false);
      expect(verifySendGridSignature(key, '', body, '')).toBe(false);
    });
  });

  it('takes only a P-256 public key, which config validation enforces', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const bad of [rsa, p384, 'not-a-key']) expect(sendgridPublicKey(bad)).toBeUndefined();
    const secrets = { HOMING_API_KEY: 'k', HOMING_ADMIN_TOKEN: 't', TRACKING_SECRET: 's' };
    expect(loadConfig({ ...secrets, SENDGRID_WEBHOOK_PUBLIC_KEY: official.key }).email.sendgridWebhookPublicKey).toBe(official.key);
    try {
      loadConfig({ ...secrets, SENDGRID_WEBHOOK_PUBLIC_KEY: rsa });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual(['SENDGRID_WEBHOOK_PUBLIC_KEY: must be the base64 P-256 public key SendGrid shows for its Signed Event Webhook']);
    }
  });
});

describe('SendGrid events', () => {
  const event = (fields: Record<string, unknown>) =>
    sendgridEvent.parse({ email: 'ada@example.com', timestamp: 1700000000, sg_event_id: 'ZXZlbnQ', sg_message_id: 'abcDEF123.recvd-1-0', homing_message_id: 'msg_1', ...fields });

  it('map to statuses, reasons and one dedupe key per SendGrid event', () => {
    const cases: Array<[Record<string, unknown>, object]> = [
      [{ event: 'processed' }, { status: 'SENT' }],
      [{ event: 'deferred', response: '400 try again later', attempt: '5' }, { status: 'SENT' }],
      [{ event: 'delivered', response: '250 OK' }, { status: 'DELIVERED' }],
      [{ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user' }, { status: 'UNDELIVERABLE', reason: 'bounced', detail: expect.objectContaining({ status: '5.1.1' }) }],
      [{ event: 'dropped', reason: 'Bounced Address' }, { status: 'UNDELIVERABLE', reason: 'suppressed' }],
      [{ event: 'dropped', reason: 'Invalid SMTPAPI header' }, { status: 'UNDELIVERABLE', reason: 'failed' }],
      [{ event: 'open', useragent: 'Mozilla/5.0', ip: '192.0.2.1' }, { status: 'OPENED' }],
      [{ event: 'click', url: 'https://example.com/' }, { status: 'CLICKED', detail: expect.objectContaining({ url: 'https://example.com/' }) }],
      // Only someone who got the message can complain or unsubscribe (src/consent/provider-signals.ts applies what they mean).
      [{ event: 'spamreport' }, { status: 'DELIVERED' }],
      [{ event: 'unsubscribe' }, { status: 'DELIVERED' }],
      [{ event: 'group_unsubscribe', asm_group_id: 1 }, { status: 'DELIVERED' }],
    ];
    for (const [fields, expected] of cases) {
      expect(sendgridStatusChange(event(fields))).toMatchObject({ ...expected, source: 'sendgrid', dedupeKey: 'sendgrid:ZXZlbnQ', providerMessageId: 'abcDEF123' });
    }
    expect(sendgridStatusChange(event({ event: 'group_resubscribe' }))).toBeUndefined();
  });
});
