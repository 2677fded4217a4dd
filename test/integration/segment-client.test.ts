import { Analytics } from '@segment/analytics-node';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';

let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming();
});
afterAll(() => homing.stop());

const profile = (userId: string) => homing.admin(`/api/profiles/${encodeURIComponent(userId)}`);
const applied = (messageId: string) =>
  homing.pool.query('SELECT applied_at FROM events WHERE message_id = $1 AND duplicate_of IS NULL', [messageId]).then((r) => r.rows[0]?.applied_at);

describe('the official Segment client pointed at Homing', () => {
  it('sends identify, track, group, page, screen and alias in one batch; all are logged and applied', async () => {
    const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 50, flushInterval: 60_000, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (err) => errors.push(err));
    analytics.identify({ userId: 'ada', anonymousId: 'anon-ada', traits: { name: 'Ada', email: 'ada@example.com', subscription: { tier: 'pro', seats: 3 } } });
    analytics.track({ userId: 'ada', event: 'Trial Started', properties: { plan: 'pro' } });
    analytics.group({ userId: 'ada', groupId: 'acme', traits: { name: 'Acme', employees: 40 } });
    analytics.page({ userId: 'ada', name: 'Pricing', properties: { path: '/pricing' } });
    analytics.screen({ userId: 'ada', name: 'Dashboard' });
    analytics.alias({ userId: 'ada', previousId: 'ada-old-id' });
    analytics.identify({ userId: 'ada', traits: { subscription: { seats: 5 }, phone: '+15550100', name: null } });
    await analytics.closeAndFlush();
    expect(errors).toEqual([]);

    const log = await homing.admin('/api/events?userId=ada&limit=50');
    expect(log.status).toBe(200);
    const names = log.body.events.map((e: { name: string }) => e.name).sort();
    expect(names).toEqual(['alias', 'group', 'identify', 'identify', 'page', 'screen', 'track/Trial Started'].sort());
    const track = log.body.events.find((e: { type: string }) => e.type === 'track');
    expect(track.status).toBe('unmapped');
    // The write key is a credential: never stored in the log.
    expect(JSON.stringify(log.body)).not.toContain(API_KEY);

    const p = await eventually(async () => {
      const r = await profile('ada');
      return r.status === 200 && r.body.traits.subscription?.seats === 5 && r.body.groups.length === 1 ? r.body : undefined;
    });
    expect(p.traits).toEqual({ email: 'ada@example.com', subscription: { tier: 'pro', seats: 5 }, phone: '+15550100' });
    expect(p.contact).toEqual({ email: 'ada@example.com', phone: '+15550100', tokens: {} });
    expect(p.aliases).toEqual(['ada-old-id', 'anon-ada']);
    expect(p.groups).toEqual(['acme']);
    // Either id finds the one profile.
    expect((await profile('anon-ada')).body.userId).toBe('ada');
    expect((await profile('ada-old-id')).body.userId).toBe('ada');

    const group = await homing.admin('/api/groups/acme');
    expect(group.body.traits).toEqual({ name: 'Acme', employees: 40 });
    expect(group.body.members.map((m: { userId: string }) => m.userId)).toEqual(['ada']);
  });
});

describe("Segment's Event Tester payloads, verbatim", () => {
  const identify =
    '{"messageId":"segment-test-message-iskh4123","timestamp":"2024-05-21T18:00:18.913Z","type":"identify","email":"test@example.org","traits":{"trait1":2,"email":"test@example.org"},"userId":"rod-test"}';
  const track =
    '{"messageId":"segment-test-message-a8rmf","timestamp":"2021-12-07T08:41:59.410Z","type":"track","email":"test@example.org","projectId":"4GgKeBoVJkT9EZL4vAmduv","properties":{"property1":1,"property2":"test","property3":true},"userId":"test-user-cqw3gr","event":"Segment Test Event Name"}';

  it('accepts the identify and builds the profile of rod-test', async () => {
    const res = await post(`${homing.url}/segment`, identify, { authorization: basic(API_KEY) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, results: [{ messageId: 'segment-test-message-iskh4123', status: 'accepted' }] });
    const p = await eventually(async () => {
      const r = await profile('rod-test');
      return r.status === 200 ? r.body : undefined;
    });
    expect(p.traits).toEqual({ trait1: 2, email: 'test@example.org' });
    expect(p.contact.email).toBe('test@example.org');
  });

  it('logs the track as unmapped, with unknown fields kept', async () => {
    const res = await post(`${homing.url}/segment`, track, { authorization: basic(API_KEY) });
    expect(res.body.results).toEqual([{ messageId: 'segment-test-message-a8rmf', status: 'unmapped' }]);
    const log = await homing.admin('/api/events?event=Segment%20Test%20Event%20Name');
    expect(log.body.events).toHaveLength(1);
    expect(log.body.events[0]).toMatchObject({ name: 'track/Segment Test Event Name', status: 'unmapped', userId: 'test-user-cqw3gr' });
    expect(log.body.events[0].payload.projectId).toBe('4GgKeBoVJkT9EZL4vAmduv');
  });

  it('uses a top-level email when traits.email is absent, and says so in the log', async () => {
    const body = { messageId: 'tester-top-level-email', type: 'identify', userId: 'tess', email: 'tess@example.org', traits: { trait1: 1 } };
    await post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });
    const p = await eventually(async () => (await profile('tess')).body.traits?.email);
    expect(p).toBe('tess@example.org');
    const log = await homing.admin('/api/events?userId=tess');
    expect(log.body.events[0].note).toMatch(/top-level "email"/);
  });
});

describe('redelivery and order', () => {
  it('applies an event delivered three times once; the other two are logged as duplicates', async () => {
    const event = JSON.stringify({ messageId: 'redelivered-1', type: 'identify', userId: 'rita', traits: { visits: 1, tags: ['a'] } });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(`${homing.url}/segment`, event, { authorization: basic(API_KEY) });
      statuses.push(res.body.results[0].status);
    }
    expect(statuses).toEqual(['accepted', 'duplicate', 'duplicate']);
    await eventually(() => applied('redelivered-1'));
    const dupes = await homing.admin('/api/events?userId=rita&status=duplicate');
    expect(dupes.body.events).toHaveLength(2);
    const original = await homing.admin('/api/events?userId=rita&status=accepted');
    expect(dupes.body.events.every((e: { duplicateOf: string }) => e.duplicateOf === original.body.events[0].id)).toBe(true);
    // Exactly one profile write: created and last updated by the same, single application.
    const p = (await profile('rita')).body;
    expect(p.traits).toEqual({ visits: 1, tags: ['a'] });
    const applications = await homing.pool.query("SELECT count(*)::int AS n FROM events WHERE user_id = 'rita' AND applied_at IS NOT NULL");
    expect(applications.rows[0].n).toBe(1);
  });

  it('applies two identifies for one user sent in quick succession in arrival order', async () => {
    const send = (messageId: string, plan: string) =>
      post(`${homing.url}/v1/identify`, JSON.stringify({ messageId, userId: 'quick', traits: { plan } }), { authorization: basic(API_KEY) });
    for (let round = 0; round < 5; round++) {
      await send(`quick-${round}-a`, `a${round}`);
      await send(`quick-${round}-b`, `b${round}`);
    }
    await eventually(() => applied('quick-4-b'));
    expect((await profile('quick')).body.traits.plan).toBe('b4');
    const order = await homing.pool.query("SELECT message_id FROM events WHERE user_id = 'quick' ORDER BY applied_at, id");
    expect(order.rows.map((r) => r.message_id)).toEqual([0, 1, 2, 3, 4].flatMap((r) => [`quick-${r}-a`, `quick-${r}-b`]));
  });

  it('the same new event sent 20 times at once is accepted once', async () => {
    const event = JSON.stringify({ messageId: 'racing', type: 'identify', userId: 'racer', traits: { lap: 1 } });
    const results = await Promise.all(Array.from({ length: 20 }, () => post(`${homing.url}/segment`, event, { authorization: basic(API_KEY) })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const statuses = results.map((r) => r.body.results[0].status).sort();
    expect(statuses).toEqual(['accepted', ...Array(19).fill('duplicate')]);
    const rows = await homing.pool.query("SELECT count(*) FILTER (WHERE duplicate_of IS NULL)::int AS originals, count(*)::int AS total FROM events WHERE message_id = 'racing'");
    expect(rows.rows[0]).toEqual({ originals: 1, total: 20 });
  });

  it('repeats of one messageId inside a single batch count once', async () => {
    const item = { messageId: 'in-batch-dup', type: 'identify', userId: 'bea', traits: { n: 1 } };
    const res = await post(`${homing.url}/segment`, JSON.stringify({ batch: [item, item] }), { authorization: basic(API_KEY) });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
  });
});
