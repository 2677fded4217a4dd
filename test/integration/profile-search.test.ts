import { API_KEY, basic, post, startHoming, type TestHoming } from '../helpers/homing';
import { profileSearchQuery } from '../../src/db/profile-search';

/**
 * GET /api/profiles?query=: the Studio's profile search, by userId, alias or
 * email (case-insensitively), and the plan that keeps the email lookup off a
 * scan of every profile.
 */
let homing: TestHoming;
const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });
const search = (query: string, extra = '') => homing.admin(`/api/profiles?${new URLSearchParams({ query })}${extra}`);
const ids = (body: { profiles: Array<{ userId: string }> }) => body.profiles.map((p) => p.userId);

beforeAll(async () => {
  homing = await startHoming();
  await send({ type: 'identify', userId: 'ada', messageId: 's-1', traits: { name: 'Ada', email: 'Ada.Lovelace@Example.com' } });
  await send({ type: 'alias', userId: 'ada', previousId: 'anon-ada-1', messageId: 's-2' });
  await send({ type: 'identify', userId: 'grace', messageId: 's-3', traits: { name: 'Grace', email: 'grace@example.com' } });
  // Another person sharing the address: both are found.
  await send({ type: 'identify', userId: 'grace-work', messageId: 's-4', traits: { email: 'GRACE@example.com' } });
  // Profiles are applied by the worker: reading one waits for its queued events.
  for (const id of ['ada', 'grace', 'grace-work']) expect((await homing.admin(`/api/profiles/${id}`)).status).toBe(200);
}, 60_000);
afterAll(() => homing?.stop());

describe('GET /api/profiles', () => {
  it('finds a profile by its userId', async () => {
    const res = await search('ada');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(['ada']);
    expect(res.body.profiles[0]).toMatchObject({ userId: 'ada', traits: { name: 'Ada' }, contact: { email: 'Ada.Lovelace@Example.com' }, aliases: ['anon-ada-1'] });
  });

  it('finds a profile by an alias', async () => {
    expect(ids((await search('anon-ada-1')).body)).toEqual(['ada']);
  });

  it('finds profiles by email, whatever its case, each once', async () => {
    expect(ids((await search('ada.lovelace@example.com')).body)).toEqual(['ada']);
    expect(ids((await search(' Grace@Example.COM ')).body).sort()).toEqual(['grace', 'grace-work']);
    expect(ids((await search('grace@example.com', '&limit=1')).body)).toHaveLength(1);
  });

  it('answers an empty list when nothing matches, and 400 without a query', async () => {
    expect((await search('nobody@example.com')).body).toEqual({ profiles: [] });
    const missing = await homing.admin('/api/profiles');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/query/);
    expect((await search('ada', '&limit=0')).status).toBe(400);
  });

  it('needs the admin token', async () => {
    const res = await fetch(`${homing.url}/api/profiles?query=ada`);
    expect(res.status).toBe(401);
  });

  it('looks the email up through the expression index, not a scan of every profile', async () => {
    const client = await homing.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const q = profileSearchQuery('grace@example.com', 20);
      const { rows } = await client.query(`EXPLAIN ${q.text}`, q.values);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('profiles_email_idx');
      expect(plan).not.toMatch(/Seq Scan on profiles/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
