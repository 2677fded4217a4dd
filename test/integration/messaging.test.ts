import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { signToken, verifyToken } from '../../src/messaging/tracking';

/** Tracking links, missing addresses and templates that fail at send time, on the default mailbox providers. */
let homing: TestHoming;

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

beforeAll(async () => {
  homing = await startHoming({ env: { TRACKING_LINK_HOSTS: 'example.com' } });
  const templates = [
    { id: 'note', name: 'Note', channel: 'email', content: { subject: 'Hi {{ profile.name }}', html: '<p><a href="https://example.com/a">A</a> <a href="https://example.com/b?x=1&amp;y=2">B</a></p>' } },
    { id: 'strict', name: 'Strict', channel: 'email', content: { subject: 'Hi {{ profile.first_name }}', text: 'hello' } },
    { id: 'link', name: 'Link', channel: 'email', content: { subject: 'Your link', html: '<a href="{{ data.url }}">go</a>', text: 'Go: {{ data.url }}' } },
    { id: 'echo', name: 'Echo', channel: 'sms', content: { text: '{{ data.body }}' } },
  ];
  for (const t of templates) {
    expect((await homing.admin('/api/templates', { method: 'POST', body: t })).status).toBe(201);
    expect((await homing.admin(`/api/templates/${t.id}/publish`, { method: 'POST', body: {} })).status).toBe(200);
  }
  const mappings = [
    { id: 'note', trigger: { type: 'track', event: 'Note' }, params: { channel: 'email', template: 'note', contactWait: '3s' } },
    { id: 'strict', trigger: { type: 'track', event: 'Strict' }, params: { channel: 'email', template: 'strict' } },
    { id: 'link', trigger: { type: 'track', event: 'Link' }, params: { channel: 'email', template: 'link' } },
    { id: 'echo', trigger: { type: 'track', event: 'Echo' }, params: { channel: 'sms', template: 'echo' } },
  ];
  for (const m of mappings) {
    const res = await homing.admin('/api/mappings', { method: 'POST', body: { ...m, name: m.id, status: 'published', automation: 'single-send' } });
    expect(res.status).toBe(201);
  }
}, 120_000);
afterAll(() => homing?.stop());

const runOf = (userId: string, status?: string) =>
  eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[]).find((r) => !status || r.status === status), 20_000, `${userId}'s run`);
const mailTo = (to: string) =>
  eventually(async () => (await homing.admin(`/api/mailbox?channel=email&to=${encodeURIComponent(to)}`)).body.messages[0], 20_000, `mail to ${to}`);

describe('tracking links', () => {
  let html: string;
  let messageId: string;
  beforeAll(async () => {
    await send({ type: 'identify', userId: 'tia', traits: { name: 'Tia', email: 'tia@example.com' }, messageId: 'tia-identify' });
    await send({ type: 'track', userId: 'tia', event: 'Note', messageId: 'tia-note' });
    const mail = await mailTo('tia@example.com');
    html = mail.html;
    messageId = mail.messageId;
  });
  const tokens = () => [...html.matchAll(/\/t\/([oc])\/([A-Za-z0-9_.-]+)/g)].map((m) => ({ kind: m[1]!, token: m[2]! }));
  const get = (path: string) => fetch(`${homing.url}${path}`, { redirect: 'manual' });

  it('the mailbox keeps the email with its pixel and one click link per original link', async () => {
    expect(tokens().map((t) => t.kind)).toEqual(['c', 'c', 'o']);
    const detail = await homing.admin(`/api/messages/${messageId}`);
    expect(detail.body.links).toEqual(['https://example.com/a', 'https://example.com/b?x=1&y=2']);
  });

  it('a click redirects to exactly the link of the rendered message', async () => {
    const [a, b] = tokens();
    expect((await get(`/t/c/${a!.token}`)).headers.get('location')).toBe('https://example.com/a');
    expect((await get(`/t/c/${b!.token}`)).headers.get('location')).toBe('https://example.com/b?x=1&y=2');
    const detail = await homing.admin(`/api/messages/${messageId}`);
    expect(detail.body.status).toBe('CLICKED');
    expect(detail.body.timeline.filter((e: { kind: string }) => e.kind === 'CLICKED')).toHaveLength(2);
  });

  it('without SEGMENT_WRITE_KEY, outcomes are recorded as not exported', async () => {
    const outcomes = await eventually(async () => {
      const o = (await homing.admin(`/api/messages/${messageId}`)).body.outcomes as Array<{ status: string; state: string }>;
      return o.length === 2 && o.every((x) => x.state !== 'pending') ? o : undefined;
    }, 20_000, 'outcomes settled');
    expect(outcomes.map((o) => `${o.status}:${o.state}`)).toEqual(['SENT:not-exported', 'CLICKED:not-exported']);
  });

  it('forged, truncated, altered and other-message tokens get 404 and redirect nowhere', async () => {
    const [a] = tokens();
    const payload = verifyToken('test-tracking-secret', a!.token)!;
    const [body, mac] = a!.token.split('.') as [string, string];
    const bad = [
      signToken('not-the-secret', payload), // forged with another key
      a!.token.slice(0, -3), // truncated
      `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, // signature altered
      `${Buffer.from(JSON.stringify({ ...payload, l: 5 })).toString('base64url')}.${mac}`, // payload altered, old signature
      `${Buffer.from(JSON.stringify({ ...payload, m: 'msg_other' })).toString('base64url')}.${mac}`, // replayed for another message
      signToken('test-tracking-secret', { m: 'msg_unknown', k: 'c', l: 0 }), // well signed, no such message
      signToken('test-tracking-secret', { ...payload, l: 7 }), // well signed, no such link in the message
      'garbage',
    ];
    for (const token of bad) {
      const res = await get(`/t/c/${token}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toEqual({ error: 'unknown tracking link' });
    }
    // A click token is not a pixel token, and the other way round.
    expect((await get(`/t/o/${a!.token}`)).status).toBe(404);
    const pixel = tokens().find((t) => t.kind === 'o')!;
    expect((await get(`/t/c/${pixel.token}`)).status).toBe(404);
  });
});

it('a recipient without an address is waited for, then the message is UNDELIVERABLE (no-contact)', async () => {
  await send({ type: 'track', userId: 'nox', event: 'Note', messageId: 'nox-note' });
  const run = await runOf('nox', 'completed');
  expect(run.result).toEqual({ outcome: 'done', message: { step: 'message', channel: 'email', status: 'undeliverable', reason: 'no-contact' } });
  const messages = (await homing.admin('/api/messages?userId=nox')).body.messages;
  expect(messages).toMatchObject([{ status: 'UNDELIVERABLE', reason: 'no-contact', recipient: null }]);
});

it('an address that arrives while the message waits is used', async () => {
  await send({ type: 'track', userId: 'lia', event: 'Note', messageId: 'lia-note' });
  await runOf('lia', 'running');
  await send({ type: 'identify', userId: 'lia', traits: { name: 'Lia', email: 'lia@example.com' }, messageId: 'lia-identify' });
  expect((await mailTo('lia@example.com')).subject).toBe('Hi Lia');
  expect((await runOf('lia', 'completed')).result).toMatchObject({ outcome: 'done', message: { status: 'sent' } });
});

it('a template that does not render for this user fails the message for good, with the reason', async () => {
  await send({ type: 'identify', userId: 'sam', traits: { email: 'sam@example.com' }, messageId: 'sam-identify' });
  await send({ type: 'track', userId: 'sam', event: 'Strict', messageId: 'sam-strict' });
  const run = await runOf('sam', 'completed');
  expect(run.result).toEqual({ outcome: 'done', message: { step: 'message', channel: 'email', status: 'undeliverable', reason: 'TemplateRenderError' } });
  const [message] = (await homing.admin('/api/messages?userId=sam')).body.messages;
  expect(message).toMatchObject({ status: 'UNDELIVERABLE', reason: 'failed' });
  const detail = await homing.admin(`/api/messages/${message.id}`);
  expect(detail.body.timeline.at(-1).detail.error).toMatch(/subject.*profile\.first_name/);
  expect((await homing.admin('/api/mailbox?to=sam@example.com')).body.messages).toEqual([]);
});

describe('links from event data and TRACKING_LINK_HOSTS=example.com', () => {
  const linkMail = async (userId: string, url: string) => {
    const email = `${userId}@example.com`;
    await send({ type: 'identify', userId, traits: { email }, messageId: `${userId}-identify` });
    await send({ type: 'track', userId, event: 'Link', properties: { url }, messageId: `${userId}-link` });
    const mail = await mailTo(email);
    return { mail, detail: (await homing.admin(`/api/messages/${mail.messageId}`)).body };
  };

  it('a link to another host stays as it is: no click link, so no redirect on Homing\'s domain', async () => {
    const { mail, detail } = await linkMail('phil', 'https://evil.test/login');
    expect(mail.html).toContain('<a href="https://evil.test/login">go</a>');
    expect(mail.text).toBe('Go: https://evil.test/login');
    expect(mail.html).not.toMatch(/\/t\/c\//);
    expect(detail.links).toEqual([]);
    expect(detail.status).toBe('SENT');
  });

  it('a link to a listed host is tracked', async () => {
    const { mail, detail } = await linkMail('lin', 'https://example.com/ok');
    expect(mail.html).toMatch(/<a href="http:\/\/localhost:\d+\/t\/c\/[^"]+">go<\/a>/);
    expect(detail.links).toEqual(['https://example.com/ok']);
  });
});

describe('rendered size', () => {
  it('an SMS that renders over 1,600 characters is UNDELIVERABLE with the limit named, and nothing is sent', async () => {
    await send({ type: 'identify', userId: 'lon', traits: { phone: '+15550100201' }, messageId: 'lon-identify' });
    await send({ type: 'track', userId: 'lon', event: 'Echo', properties: { body: 'x'.repeat(1_700) }, messageId: 'lon-echo' });
    const run = await runOf('lon', 'completed');
    expect(run.result).toEqual({ outcome: 'done', message: { step: 'message', channel: 'sms', status: 'undeliverable', reason: 'ContentTooLarge' } });
    const [message] = (await homing.admin('/api/messages?userId=lon')).body.messages;
    expect(message).toMatchObject({ status: 'UNDELIVERABLE', reason: 'failed' });
    const detail = await homing.admin(`/api/messages/${message.id}`);
    expect(detail.body.timeline.at(-1).detail.error).toBe('template field "text": renders to more than 1600 characters, the most an sms text may have');
    expect((await homing.admin('/api/mailbox?channel=sms&to=%2B15550100201')).body.messages).toEqual([]);
  });

  it('an SMS that tracking links push over 1,600 characters is UNDELIVERABLE too', async () => {
    const body = `https://example.com/x ${'y'.repeat(1_560)}`;
    await send({ type: 'identify', userId: 'ty', traits: { phone: '+15550100202' }, messageId: 'ty-identify' });
    await send({ type: 'track', userId: 'ty', event: 'Echo', properties: { body }, messageId: 'ty-echo' });
    expect((await runOf('ty', 'completed')).result).toEqual({ outcome: 'done', message: { step: 'message', channel: 'sms', status: 'undeliverable', reason: 'ContentTooLarge' } });
    expect((await homing.admin('/api/mailbox?channel=sms&to=%2B15550100202')).body.messages).toEqual([]);
  });

  it('a preview over the limit is a 400 naming the field and the limit', async () => {
    const res = await homing.admin('/api/templates/echo/preview', { method: 'POST', body: { data: { body: 'x'.repeat(2_000) } } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'template field "text": renders to more than 1600 characters, the most an sms text may have',
      details: { field: 'text', limit: 1600 },
    });
  });
});

describe('phone numbers', () => {
  it('a list of numbers is UNDELIVERABLE (invalid-address) and nothing is sent', async () => {
    await send({ type: 'identify', userId: 'pam', traits: { phone: '+15550100301, +15550100399' }, messageId: 'pam-identify' });
    await send({ type: 'track', userId: 'pam', event: 'Echo', properties: { body: 'hi' }, messageId: 'pam-echo' });
    const run = await runOf('pam', 'completed');
    expect(run.result).toEqual({ outcome: 'done', message: { step: 'message', channel: 'sms', status: 'undeliverable', reason: 'InvalidAddress' } });
    const [message] = (await homing.admin('/api/messages?userId=pam')).body.messages;
    expect(message).toMatchObject({ status: 'UNDELIVERABLE', reason: 'invalid-address' });
    const sms = (await homing.admin('/api/mailbox?channel=sms')).body.messages as Array<{ to: string }>;
    expect(sms.filter((m) => m.to.includes('0100301') || m.to.includes('0100399'))).toEqual([]);
  });

  it('a number written with spaces, dashes and parentheses is sent to its E.164 form', async () => {
    await send({ type: 'identify', userId: 'pia', traits: { phone: '+1 (555) 010-0302' }, messageId: 'pia-identify' });
    await send({ type: 'track', userId: 'pia', event: 'Echo', properties: { body: 'hi' }, messageId: 'pia-echo' });
    const sms = await eventually(async () => (await homing.admin('/api/mailbox?channel=sms&to=%2B15550100302')).body.messages[0], 20_000, 'sms to pia');
    expect(sms).toMatchObject({ to: '+15550100302', text: 'hi' });
  });
});
