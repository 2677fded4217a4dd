import { ADMIN_TOKEN, API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { eventsQuery } from '../../src/db/events';
import { funnelQuery } from '../../src/db/stats';

/**
 * The Studio's read models on real data: the Segment connection, events
 * received and runs started, and the outcome funnel from messages' status
 * times; and the query plans that keep them fast on a large log.
 */
let homing: TestHoming;
const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

beforeAll(async () => {
  homing = await startHoming();
  await publishTemplates(homing);
  await publishMapping(homing, { id: 'trial', trigger: { type: 'track', event: 'Trial Started' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });
  await publishMapping(homing, { id: 'poke', trigger: { type: 'track', event: 'Poke' }, automation: 'single-send', params: { channel: 'sms', template: 'nudge' } });
}, 120_000);
afterAll(() => homing?.stop());

describe('GET /api/segment/connection', () => {
  it('shows the endpoint and key, and no event until the first arrives, then the newest', async () => {
    const empty = await homing.admin('/api/segment/connection');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ endpoint: homing.config.publicUrl, batchUrl: `${homing.config.publicUrl}/v1/batch`, apiKey: API_KEY, eventCount: 0, lastEvent: null });

    await send({ type: 'identify', userId: 'first', messageId: 'conn-1', traits: { name: 'First' } });
    await send({ type: 'track', userId: 'first', event: 'Tested', messageId: 'conn-2' });
    await send({ type: 'track', userId: 'first', event: 'Tested', messageId: 'conn-2' }); // a redelivery is not a new event
    const after = (await homing.admin('/api/segment/connection')).body;
    expect(after.eventCount).toBe(2);
    const newest = (await homing.admin('/api/events?limit=1')).body.events[0];
    expect(after.lastEvent).toEqual(newest);
    expect(after.lastEvent).toMatchObject({ messageId: 'conn-2', status: 'duplicate' });
  });

  it('counts a large log only up to 10,000, so polling stays cheap', async () => {
    await homing.pool.query(`INSERT INTO events (message_id, type, status, payload) SELECT 'bulk-' || g, 'page', 'accepted', '{}' FROM generate_series(1, 10050) g`);
    expect((await homing.admin('/api/segment/connection')).body.eventCount).toBe(10_000);
  });
});

describe('overview and funnel', () => {
  let from: string;
  beforeAll(async () => {
    from = (await homing.pool.query<{ now: Date }>('SELECT now()')).rows[0]!.now.toISOString();
    const people = [
      { userId: 'ann', traits: { name: 'Ann', email: 'ann@example.com', phone: '+15550100001' } },
      { userId: 'bob', traits: { name: 'Bob', email: 'bob@example.com' } },
      { userId: 'cy', traits: { name: 'Cy', email: 'not-an-address' } },
    ];
    for (const p of people) await send({ type: 'identify', messageId: `id-${p.userId}`, ...p });
    for (const p of people) await send({ type: 'track', userId: p.userId, event: 'Trial Started', messageId: `trial-${p.userId}` });
    await send({ type: 'track', userId: 'ann', event: 'Trial Started', messageId: 'trial-ann' }); // redelivery
    await send({ type: 'track', userId: 'ann', event: 'Poke', messageId: 'poke-ann' });
    await send({ type: 'track', userId: 'ann', event: 'Unmapped Thing', messageId: 'other-ann' });

    const mail = (to: string) => eventually(async () => (await homing.admin(`/api/mailbox?channel=email&to=${to}`)).body.messages[0], 20_000, `mail to ${to}`);
    const [ann, bob] = [await mail('ann@example.com'), await mail('bob@example.com')];
    // Ann opens (the pixel), Bob clicks (which counts as opened too).
    const pixel = /\/t\/o\/[A-Za-z0-9_.-]+/.exec(ann.html)![0];
    expect((await fetch(`${homing.url}${pixel}`)).status).toBe(200);
    const link = /\/t\/c\/[A-Za-z0-9_.-]+/.exec(bob.html)![0];
    expect((await fetch(`${homing.url}${link}`, { redirect: 'manual' })).status).toBe(302);
    await eventually(async () => {
      const { rows } = await homing.pool.query(`SELECT count(*)::int AS n FROM messages WHERE status IN ('OPENED', 'CLICKED', 'UNDELIVERABLE') OR channel = 'sms' AND status = 'SENT'`);
      return rows[0].n === 4;
    }, 20_000, 'opened, clicked, undeliverable and the SMS sent');
  }, 60_000);

  const period = () => `from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

  it('counts events received (not redeliveries) and runs started over the period', async () => {
    const overview = await homing.admin(`/api/stats/overview?${period()}`);
    expect(overview.status).toBe(200);
    expect(overview.body).toEqual({ eventsReceived: 8, runsStarted: 4 });
    const before = await homing.admin(`/api/stats/overview?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`);
    expect(before.body).toEqual({ eventsReceived: 0, runsStarted: 0 });
  });

  it('gives the outcome funnel per automation, mapping, template and channel', async () => {
    const funnel = await homing.admin(`/api/stats/funnel?${period()}`);
    expect(funnel.status).toBe(200);
    expect(funnel.body.rows).toEqual([
      { automation: 'single-send', mapping: 'poke', template: 'nudge', channel: 'sms', sent: 1, delivered: 0, opened: 0, clicked: 0, undeliverable: 0 },
      { automation: 'single-send', mapping: 'trial', template: 'welcome', channel: 'email', sent: 2, delivered: 2, opened: 2, clicked: 1, undeliverable: 1 },
    ]);
  });

  it('refuses a period that is not ISO or ends before it starts', async () => {
    const bad = await homing.admin('/api/stats/funnel?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/from/);
    const backwards = await homing.admin('/api/stats/overview?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatch(/before/);
  });
});

describe('query plans', () => {
  /** The plan Postgres picks when a table is too big to scan (as the log is with a million events). */
  async function plan(query: { text: string; values: unknown[] }): Promise<string> {
    const client = await homing.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${query.text}`, query.values);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  it.each([
    ['status', { status: 'unmapped' }, 'events_status_idx'],
    ['type', { type: 'identify' }, 'events_type_event_idx'],
    ['event name', { event: 'Poke' }, 'events_type_event_idx'],
    ['user (userId or anonymousId)', { userId: 'ann' }, 'events_anonymous_id_idx'],
  ])('the event log filtered by %s uses an index', async (_what, filter, index) => {
    const text = await plan(eventsQuery({ ...filter, limit: 100 }));
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('the funnel reads the period through the messages index', async () => {
    const text = await plan(funnelQuery({ from: new Date(0), to: new Date() }));
    expect(text).toContain('messages_created_idx');
    expect(text).not.toMatch(/Seq Scan on messages/);
  });
});

it('the stats and connection routes need the admin token or a session', async () => {
  for (const path of ['/api/segment/connection', '/api/stats/overview', '/api/stats/funnel']) {
    expect((await fetch(`${homing.url}${path}`)).status).toBe(401);
    expect((await fetch(`${homing.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  }
});
