import crypto from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../helpers/smtp-sink';
import { startSendGridSink } from '../helpers/sendgrid-sink';
import { SmtpEmailProvider } from '../../src/messaging/providers/smtp';
import { SendGridEmailProvider } from '../../src/messaging/providers/sendgrid';
import { publishTemplates } from '../helpers/automation';
import { consentHistory, preferencesOf, saveTopic } from '../../src/db/consent';
import { listUnsubscribeHeaders, unsubscribeLinks } from '../../src/consent/unsubscribe-links';
import { signToken } from '../../src/messaging/tracking';

/**
 * RFC 8058 one-click unsubscribe end to end: a marketing email over real SMTP
 * with List-Unsubscribe headers under a DKIM signature, the one-click POST,
 * the scanner-safe GET page and its CSRF-safe preferences form.
 */
let homing: TestHoming;
let smtp: SmtpSink;
const SECRET = 'test-tracking-secret';
const MAILTO = 'unsubscribe@homing.test';
const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_DNS_RECORD = `v=DKIM1; k=rsa; p=${keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

beforeAll(async () => {
  smtp = await startSmtpSink();
  homing = await startHoming({
    env: {
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Homing News <news@homing.test>',
      UNSUBSCRIBE_MAILTO: MAILTO,
      DKIM_DOMAIN: 'homing.test',
      DKIM_SELECTOR: 'mail2026',
      DKIM_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
  });
  await publishTemplates(homing, [
    {
      id: 'promo',
      name: 'Promo',
      channel: 'email',
      content: { subject: 'News for {{ profile.name }}', html: '<p>News!</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>', text: 'News! Preferences: {{ preferences_url }}' },
    },
    { id: 'promo-sms', name: 'Promo SMS', channel: 'sms', content: { text: 'News, {{ profile.name }}!' } },
  ]);
  await saveTopic(homing.pool, { id: 'product-updates', name: 'Product updates', description: 'What is new', defaultStatus: 'opted-in', frequencyCaps: [] });
  await saveTopic(homing.pool, { id: 'security', name: 'Security notices', description: 'Required by law', defaultStatus: 'required', frequencyCaps: [] });
  await saveTopic(homing.pool, { id: 'xss', name: '<script>alert("name")</script>', description: '<img src=x onerror=alert(1)>', defaultStatus: 'opted-out', frequencyCaps: [] });
  const mapping = await homing.admin('/api/mappings', {
    method: 'POST',
    body: {
      id: 'news',
      name: 'news',
      status: 'published',
      trigger: { type: 'track', event: 'News' },
      automation: 'email-then-sms',
      category: 'marketing',
      topic: 'product-updates',
      // The SMS comes a second after the email; a user without a phone keeps it pending until one arrives.
      params: { emailTemplate: 'promo', smsTemplate: 'promo-sms', wait: '1s', smsWait: '1s', contactWait: '120s' },
    },
  });
  if (mapping.status !== 201) throw new Error(`mapping: ${JSON.stringify(mapping.body)}`);
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await smtp?.close();
});

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

/** The marketing email of a new user (with no phone, so the run's SMS waits for one). */
async function newsFor(userId: string): Promise<{ mail: SinkMessage; messageId: string; token: string }> {
  const email = `${userId}@example.com`;
  await send({ type: 'identify', userId, traits: { name: userId, email }, messageId: `${userId}-identify` });
  await send({ type: 'track', userId, event: 'News', messageId: `${userId}-news` });
  const mail = await smtp.waitFor((m) => m.envelope.to.includes(email), 20_000);
  const messageId = mail.headers['x-homing-message-id']!;
  const token = tokenOf(unsubscribeLinks(homing.config.publicUrl, SECRET, messageId).unsubscribeUrl);
  return { mail, messageId, token };
}
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** Verifies the mail's one DKIM signature against the test key (as DNS would publish it); the header names it covers. */
async function dkimSignedHeaders(mail: SinkMessage): Promise<string[]> {
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === 'mail2026._domainkey.homing.test') return [[DKIM_DNS_RECORD]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(Buffer.from(mail.raw), { resolver });
  expect(results).toHaveLength(1);
  expect(results[0]).toMatchObject({ signingDomain: 'homing.test', selector: 'mail2026', status: { result: 'pass' } });
  return /\bh=([^;]+)/.exec(mail.headers['dkim-signature']!)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
}

/** A page of the unsubscribe routes, as a browser on Homing's own page would ask for it unless told otherwise. */
const page = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${homing.url}${path}`, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: { accept: 'text/html', ...(init.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), ...init.headers },
    redirect: 'manual',
  });
const formTokenIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];
const changesOf = async (userId: string) => (await consentHistory(homing.pool, userId, 100)).map(({ at: _at, ...c }) => c);

describe('a marketing email', () => {
  let mail: SinkMessage;
  let messageId: string;
  beforeAll(async () => ({ mail, messageId } = await newsFor('ann')));

  it('carries RFC 8058 List-Unsubscribe (https and mailto) and List-Unsubscribe-Post on the raw message', () => {
    const expected = listUnsubscribeHeaders(unsubscribeLinks(homing.config.publicUrl, SECRET, messageId), MAILTO);
    expect(mail.headers['list-unsubscribe']).toBe(expected['List-Unsubscribe']);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.headers['list-unsubscribe']).toMatch(new RegExp(`^<${homing.config.publicUrl}/u/[A-Za-z0-9_.-]+>, <mailto:${MAILTO}\\?subject=unsubscribe%20[A-Za-z0-9_.-]+>$`));
  });

  it('has a DKIM signature that verifies and covers both headers', async () => {
    expect(await dkimSignedHeaders(mail)).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']));
  });

  it('gives templates the unsubscribe and preferences URLs', () => {
    const links = unsubscribeLinks(homing.config.publicUrl, SECRET, messageId);
    expect(mail.html).toContain(links.unsubscribeUrl);
    expect(mail.text).toContain(links.preferencesUrl);
  });
});

describe('the email providers', () => {
  const headers = listUnsubscribeHeaders(unsubscribeLinks('https://h.example', SECRET, 'msg_direct'), MAILTO);
  const mail = (to: string) => ({ messageId: 'msg_direct', to, from: 'news@homing.test', subject: 'Direct', text: 'Hello', headers });

  it('SMTP sends the headers as given, under the DKIM signature', async () => {
    const provider = new SmtpEmailProvider(smtp.url, homing.config.email.dkim);
    try {
      await provider.send(mail('direct@example.com'));
    } finally {
      provider.close();
    }
    const received = await smtp.waitFor((m) => m.envelope.to.includes('direct@example.com'));
    expect(received.headers['list-unsubscribe']).toBe(headers['List-Unsubscribe']);
    expect(received.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(await dkimSignedHeaders(received)).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
  });

  it('SendGrid gets them in the v3 body (it signs the mail itself)', async () => {
    const sendgrid = await startSendGridSink();
    try {
      await new SendGridEmailProvider({ apiKey: sendgrid.apiKey, apiUrl: sendgrid.url }).send(mail('direct@example.com'));
      expect(sendgrid.messages[0]!.body.headers).toMatchObject(headers);
    } finally {
      await sendgrid.close();
    }
  });
});

describe('one-click POST', () => {
  it('unsubscribes at once from the topic on every channel, cross-site and without cookies; the pending SMS is skipped', async () => {
    const { messageId, token } = await newsFor('bob');
    // The run's SMS waits for a phone number: the send that follows the unsubscribe is the one checked.
    const sms = await eventually(async () => ((await homing.admin('/api/messages?userId=bob')).body.messages as any[]).find((m) => m.channel === 'sms'), 20_000, "bob's SMS");
    expect(sms.status).toBe('ENQUEUED');

    // What a mail provider posts (RFC 8058): form-encoded, from its own origin.
    const res = await fetch(`${homing.url}/u/${token}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://mail.example', 'sec-fetch-site': 'cross-site', 'user-agent': 'MailProvider/1.0' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/unsubscribed/i);
    expect(await preferencesOf(homing.pool, 'bob')).toMatchObject([{ channel: '*', topic: 'product-updates', subscribed: false, source: 'one-click' }]);
    expect(await changesOf('bob')).toEqual([
      { channel: '*', topic: 'product-updates', subscribed: false, source: 'one-click', evidence: { messageId, ip: expect.any(String), userAgent: 'MailProvider/1.0' } },
    ]);

    await send({ type: 'identify', userId: 'bob', traits: { phone: '+15550100002' }, messageId: 'bob-phone' });
    const skipped = await eventually(async () => {
      const m = ((await homing.admin('/api/messages?userId=bob')).body.messages as any[]).find((x) => x.channel === 'sms');
      return m.status === 'ENQUEUED' ? undefined : m;
    }, 20_000, "bob's SMS to be decided");
    expect(skipped).toMatchObject({ status: 'UNDELIVERABLE', reason: 'unsubscribed' });
    expect((await homing.admin('/api/mailbox?channel=sms')).body.messages).toEqual([]);
  });

  it('answers JSON when asked, and a repeat changes nothing more', async () => {
    const { token } = await newsFor('cal');
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${homing.url}/u/${token}`, { method: 'POST', headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ unsubscribed: true, channel: '*', topic: 'product-updates' });
    }
    expect(await changesOf('cal')).toHaveLength(1);
  });
});

describe('the GET page', () => {
  it('shows what the link unsubscribes from, a confirm button and the topics, and changes nothing', async () => {
    const { token } = await newsFor('dee');
    for (const path of [`/u/${token}`, `/u/${token}/preferences`]) {
      const res = await page(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await res.text();
      expect(html).toContain('Product updates');
      expect(html).toContain('Security notices');
      expect(html).toMatch(/<form method="post" action="[^"]*preferences">/);
      expect(formTokenIn(html)).toBeDefined();
    }
    const html = await (await page(`/u/${token}`)).text();
    expect(html).toMatch(new RegExp(`<form method="post" action="${token}">`));
    expect(await preferencesOf(homing.pool, 'dee')).toEqual([]);
    expect(await changesOf('dee')).toEqual([]);
  });

  it('escapes everything it shows', async () => {
    const { token } = await newsFor('eve');
    const html = await (await page(`/u/${token}`)).text();
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('forged, altered and wrong-kind tokens', () => {
  it('get 404 on every route and change nothing', async () => {
    const { messageId, token } = await newsFor('fay');
    const [body, mac] = token.split('.') as [string, string];
    const bad = [
      tokenOf(unsubscribeLinks('http://x', 'not-the-secret', messageId).unsubscribeUrl), // another key
      `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, // signature altered
      `${Buffer.from(JSON.stringify({ m: 'msg_other' })).toString('base64url')}.${mac}`, // payload altered
      token.slice(0, -3), // truncated
      signToken(SECRET, { m: messageId, k: 'c', l: 0 }), // a tracking token of the same message
      tokenOf(unsubscribeLinks('http://x', SECRET, 'msg_unknown').unsubscribeUrl), // well signed, no such message
      'garbage',
    ];
    for (const t of bad) {
      for (const [method, path] of [['GET', `/u/${t}`], ['POST', `/u/${t}`], ['GET', `/u/${t}/preferences`], ['POST', `/u/${t}/preferences`]] as const) {
        const res = await fetch(`${homing.url}${path}`, { method, body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined });
        expect({ t, method, path, status: res.status }).toEqual({ t, method, path, status: 404 });
        expect(await res.json()).toEqual({ error: 'unknown unsubscribe link' });
      }
    }
    expect(await changesOf('fay')).toEqual([]);
  });
});

describe('the preferences form', () => {
  let token: string;
  let messageId: string;
  let csrf: string;
  beforeAll(async () => {
    ({ token, messageId } = await newsFor('gil'));
    csrf = formTokenIn(await (await page(`/u/${token}/preferences`)).text())!;
  });
  const submit = (form: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) body.append(k, value);
    return page(`/u/${token}/preferences`, { method: 'POST', body: body.toString(), headers: { origin: new URL(homing.url).origin, 'sec-fetch-site': 'same-origin', ...headers } });
  };

  it('refuses a post without the form token, with another page\'s, or from another site, and changes nothing', async () => {
    const other = await newsFor('hal');
    const otherCsrf = formTokenIn(await (await page(`/u/${other.token}`)).text())!;
    const refusals = [
      await submit({ all: 'unsubscribe' }),
      await submit({ csrf: otherCsrf, all: 'unsubscribe' }),
      await submit({ csrf, all: 'unsubscribe' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }),
      await submit({ csrf, all: 'unsubscribe' }, { origin: 'https://evil.example' }),
      await submit({ csrf, all: 'unsubscribe' }, { origin: 'null' }),
      await submit({ csrf, all: 'unsubscribe' }, { 'sec-fetch-site': 'same-site' }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    const json = await fetch(`${homing.url}/u/${token}/preferences`, { method: 'POST', body: 'all=unsubscribe', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(json.status).toBe(403);
    expect(await json.json()).toEqual({ error: expect.stringMatching(/form token/) });
    expect(await changesOf('gil')).toEqual([]);
  });

  it('records the changes with the page\'s evidence; required topics stay on', async () => {
    // Opt into xss (default opted-out), out of product-updates (default opted-in), try to drop security (required).
    const res = await submit({ csrf, topic: ['xss'] }, { 'user-agent': 'Browser/1.0' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/saved/i);
    const evidence = { messageId, ip: expect.any(String), userAgent: 'Browser/1.0' };
    expect(await changesOf('gil')).toEqual([
      { channel: '*', topic: 'xss', subscribed: true, source: 'unsubscribe-page', evidence },
      { channel: '*', topic: 'product-updates', subscribed: false, source: 'unsubscribe-page', evidence },
    ]);
    // The page now shows the choices made, and the same post again changes nothing.
    const html = await (await page(`/u/${token}/preferences`)).text();
    expect(html).toMatch(/name="topic" value="xss" checked/);
    expect(html).toMatch(/name="topic" value="product-updates">/);
    expect(html).toMatch(/name="topic" value="security" checked disabled/);
    expect((await submit({ csrf, topic: ['xss'] })).status).toBe(200);
    expect(await changesOf('gil')).toHaveLength(2);
  });

  it('unsubscribes from all marketing, and back', async () => {
    expect((await submit({ csrf, topic: ['xss'], all: 'unsubscribe' })).status).toBe(200);
    expect(await preferencesOf(homing.pool, 'gil')).toContainEqual(expect.objectContaining({ channel: '*', topic: '', subscribed: false, source: 'unsubscribe-page' }));
    expect((await submit({ csrf, topic: ['xss'] })).status).toBe(200);
    expect(await preferencesOf(homing.pool, 'gil')).toContainEqual(expect.objectContaining({ channel: '*', topic: '', subscribed: true }));
  });

  it('refuses a topic that does not exist', async () => {
    const res = await submit({ csrf, topic: ['nope'] });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/nope/);
  });
});
