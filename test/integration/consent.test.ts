import { Analytics } from '@segment/analytics-node';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { startSegmentSink, type SegmentSink } from '../helpers/segment-sink';

/**
 * Consent on the real stack: topics and preferences through the API and from
 * Segment's identify, checked at every send (an opt-out during a run's wait
 * stops what comes after it), suppressions, and a frequency cap across two
 * runs started by one event. Sending hours are off here (SENDING_HOURS=none),
 * so the test does not depend on the time of day; they have their own test.
 */
const WRITE_KEY = 'consent-write-key';
let homing: TestHoming;
let segment: SegmentSink;

beforeAll(async () => {
  segment = await startSegmentSink(WRITE_KEY);
  homing = await startHoming({ env: { SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_API_HOST: segment.url, SENDING_HOURS: 'none', CONSENT_TRAITS: 'sms=sms_opt_in' } });
  await publishTemplates(homing);
  expect((await homing.admin('/api/topics/product-updates', { method: 'PUT', body: { name: 'Product updates', defaultStatus: 'opted-in' } })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await homing?.stop();
  await segment?.close();
});

const send = (events: Array<Record<string, unknown>>) => post(`${homing.url}/segment`, JSON.stringify(events), { authorization: basic(API_KEY) });
const identify = (userId: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  userId,
  traits: { name: userId, email: `${userId}@example.com`, phone: `+1555010${String(userId.length).padStart(4, '0')}`, ...traits },
  messageId: `${userId}-identify-${Date.now()}`,
});
const track = (userId: string, event: string) => ({ type: 'track', userId, event, messageId: `${userId}-${event}-${Date.now()}` });
type Message = { channel: string; status: string; reason: string | null; id: string };
const messagesOf = async (userId: string) => (await homing.admin(`/api/messages?userId=${userId}`)).body.messages as Message[];
const settled = (userId: string, count: number) =>
  eventually(async () => {
    const messages = await messagesOf(userId);
    return messages.length === count && messages.every((m) => m.status !== 'ENQUEUED') ? messages : undefined;
  }, 30_000, `${count} settled messages of ${userId}`);

it('keeps topics, and refuses mappings that name an unknown topic or a transactional topic', async () => {
  expect((await homing.admin('/api/topics/x', { method: 'PUT', body: { name: 'X', defaultStatus: 'maybe' } })).status).toBe(400);
  expect((await homing.admin('/api/topics/bad id', { method: 'PUT', body: { name: 'X', defaultStatus: 'opted-in' } })).status).toBe(400);
  expect((await homing.admin('/api/topics')).body.topics).toEqual([expect.objectContaining({ id: 'product-updates', defaultStatus: 'opted-in', frequencyCaps: [] })]);
  const mapping = { name: 'm', trigger: { type: 'track', event: 'E' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } };
  const unknown = await homing.admin('/api/mappings', { method: 'POST', body: { ...mapping, topic: 'nope' } });
  expect(unknown).toMatchObject({ status: 400, body: { error: expect.stringContaining('unknown topic "nope"') } });
  const transactional = await homing.admin('/api/mappings', { method: 'POST', body: { ...mapping, category: 'transactional', topic: 'product-updates' } });
  expect(transactional).toMatchObject({ status: 400, body: { error: expect.stringContaining('a topic is for marketing messages') } });
});

it("takes preferences from Segment's subscription states and consent traits, with evidence, and does not echo them back", async () => {
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 1, maxRetries: 0 });
  analytics.identify({
    userId: 'sid',
    traits: { email: 'sid@example.com', sms_opt_in: false },
    messageId: 'sid-identify',
    context: { messaging_subscriptions: [{ key: 'sid@example.com', type: 'EMAIL', status: 'UNSUBSCRIBED' }] },
  });
  await analytics.closeAndFlush();
  const prefs = await eventually(async () => {
    const res = await homing.admin('/api/profiles/sid/preferences');
    return res.status === 200 && res.body.preferences.length === 2 ? res.body : undefined;
  });
  expect(prefs.preferences).toEqual([
    expect.objectContaining({ channel: 'email', topic: null, subscribed: false, source: 'segment' }),
    expect.objectContaining({ channel: 'sms', topic: null, subscribed: false, source: 'trait' }),
  ]);
  expect(prefs.history).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ channel: 'email', source: 'segment', evidence: { messageId: 'sid-identify', key: 'sid@example.com' } }),
      expect.objectContaining({ channel: 'sms', source: 'trait', evidence: { messageId: 'sid-identify', trait: 'sms_opt_in' } }),
    ]),
  );
  // The same states again change nothing and keep no second record.
  await send([{ ...identify('sid', { sms_opt_in: false }), context: { messaging_subscriptions: [{ key: 'sid@example.com', type: 'EMAIL', status: 'unsubscribed' }] } }]);
  await eventually(async () => ((await homing.admin('/api/profiles/sid')).body.traits?.name === 'sid' ? true : undefined));
  expect((await homing.admin('/api/profiles/sid/preferences')).body.history).toHaveLength(2);
  expect(segment.accepted.filter((e) => e.event === 'Subscription Changed' && e.userId === 'sid')).toEqual([]);
});

it('an opt-out during the wait stops the SMS of a marketing run; the change and the skipped SMS are reported to Segment', async () => {
  await publishMapping(homing, {
    id: 'nurture',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '3s', smsWait: '1s' },
    topic: 'product-updates',
  });
  expect((await send([identify('ora'), track('ora', 'Trial Started')])).status).toBe(200);
  await eventually(async () => (await messagesOf('ora')).find((m) => m.channel === 'email' && m.status === 'SENT'));
  // Marketing mail carries one-click unsubscribe (the mailbox keeps the headers the provider was given).
  const [mail] = (await homing.admin('/api/mailbox?to=ora%40example.com')).body.messages;
  expect(mail.headers).toEqual({ 'List-Unsubscribe': expect.stringMatching(/^<http:\/\/localhost:\d+\/u\/[\w.-]+>$/), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  const put = await homing.admin('/api/profiles/ora/preferences', { method: 'PUT', body: { preferences: [{ channel: 'sms', subscribed: false }] } });
  expect(put.status).toBe(200);
  expect(put.body.history[0]).toMatchObject({ channel: 'sms', topic: null, subscribed: false, source: 'api', evidence: { ip: expect.any(String) } });

  const messages = await settled('ora', 2);
  expect(messages.map((m) => [m.channel, m.status, m.reason]).sort()).toEqual([
    ['email', 'SENT', null],
    ['sms', 'UNDELIVERABLE', 'unsubscribed'],
  ]);
  const sms = messages.find((m) => m.channel === 'sms')!;
  expect((await homing.admin(`/api/messages/${sms.id}`)).body.timeline).toEqual(
    expect.arrayContaining([expect.objectContaining({ kind: 'UNDELIVERABLE', detail: { unsubscribed: 'marketing', topic: 'product-updates' } })]),
  );
  const reported = await eventually(async () => {
    const mine = segment.accepted.filter((e) => e.userId === 'ora');
    return mine.some((e) => e.event === 'Subscription Changed') && mine.some((e) => e.event === 'Message Undeliverable') ? mine : undefined;
  });
  expect(reported.find((e) => e.event === 'Subscription Changed')?.properties).toEqual({ channel: 'sms', topic: null, subscribed: false, source: 'api' });
  expect(reported.find((e) => e.event === 'Message Undeliverable')?.properties).toMatchObject({ channel: 'sms', reason: 'unsubscribed' });
}, 60_000);

it('a suppressed address gets no message, transactional included, until the suppression is lifted', async () => {
  await publishMapping(homing, { id: 'receipt', trigger: { type: 'track', event: 'Order Placed' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });
  const put = await homing.admin('/api/suppressions/email/PAM@Example.com', { method: 'PUT', body: { note: 'asked by phone' } });
  expect(put).toMatchObject({ status: 200, body: { channel: 'email', address: 'pam@example.com', reason: 'manual', source: 'api' } });
  expect((await homing.admin('/api/suppressions/fax/pam@example.com', { method: 'PUT', body: {} })).status).toBe(404);
  expect((await homing.admin('/api/suppressions/email/not-an-address', { method: 'PUT', body: {} })).status).toBe(400);

  await send([identify('PAM', { email: 'PAM@example.com' }), track('PAM', 'Order Placed')]);
  expect((await settled('PAM', 1))[0]).toMatchObject({ status: 'UNDELIVERABLE', reason: 'suppressed' });

  expect((await homing.admin('/api/suppressions?channel=email')).body.suppressions).toEqual([expect.objectContaining({ address: 'pam@example.com' })]);
  expect((await homing.admin('/api/suppressions/email/PAM@example.com', { method: 'DELETE' })).status).toBe(200);
  expect((await homing.admin('/api/suppressions/email/PAM@example.com', { method: 'DELETE' })).status).toBe(404);
  await send([track('PAM', 'Order Placed')]);
  const after = await settled('PAM', 2);
  expect(after.map((m) => m.status).sort()).toEqual(['SENT', 'UNDELIVERABLE']);
  // Transactional mail has no unsubscribe headers.
  expect((await homing.admin('/api/mailbox?to=PAM%40example.com')).body.messages[0].headers).toEqual({});
}, 60_000);

it('two runs started at once by one event respect a cap of one marketing email a day', async () => {
  const capped = { name: 'Promotions', defaultStatus: 'opted-in', frequencyCaps: [{ channel: 'email', limit: 1, period: '1d' }] };
  expect((await homing.admin('/api/topics/promos', { method: 'PUT', body: capped })).body.frequencyCaps).toEqual(capped.frequencyCaps);
  for (const id of ['promo-a', 'promo-b']) {
    await publishMapping(homing, { id, trigger: { type: 'track', event: 'Sale Started' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' }, topic: 'promos' });
  }
  await send([identify('quin'), track('quin', 'Sale Started')]);
  const messages = await settled('quin', 2);
  expect(messages.map((m) => [m.status, m.reason]).sort()).toEqual([
    ['SENT', null],
    ['UNDELIVERABLE', 'frequency-capped'],
  ]);
}, 60_000);
