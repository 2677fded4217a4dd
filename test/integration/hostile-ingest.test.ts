import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { IngestPipeline } from '../../src/ingest/pipeline';
import { API_KEY, basic, eventually, post, startHoming, startOwnApi, type TestHoming } from '../helpers/homing';

/** Hostile or broken input at ingest: none of it may fail a neighbour, lock ingest out or cost unbounded work. */

let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
});
afterAll(() => homing.stop());

const auth = { authorization: basic(API_KEY) };
const identify = (messageId: string, extra: Record<string, unknown> = {}) => ({ messageId, type: 'identify', userId: 'h1', traits: { a: 1 }, ...extra });
const track = (messageId: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ messageId, type: 'track', userId: 'h1', event: 'Hostile', properties, ...extra });

async function logged(messageId: string): Promise<{ status: string; error: string | null; payload: Record<string, unknown> } | undefined> {
  const { rows } = await homing.pool.query('SELECT status, error, payload FROM events WHERE message_id = $1 AND duplicate_of IS NULL', [messageId]);
  return rows[0];
}

const SMALL_LIMITS = { maxInFlight: 4, maxUnauthenticatedInFlight: 2, bodyTimeoutMs: 2_000 };

describe('events Postgres cannot store (NUL, lone surrogates)', () => {
  it('a batch with one such item: the item is invalid with a reason naming the path, logged as invalid; the others are accepted', async () => {
    const res = await post(
      `${homing.url}/segment`,
      JSON.stringify({ batch: [identify('nul-ok-1'), track('nul-bad', { note: 'a\u0000b' }), track('nul-ok-2', { note: 'fine' })] }),
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { messageId: 'nul-ok-1', status: 'accepted' },
      { messageId: 'nul-bad', status: 'invalid', error: 'properties.note contains U+0000, which cannot be stored' },
      { messageId: 'nul-ok-2', status: 'unmapped' },
    ]);
    expect(await logged('nul-ok-1')).toMatchObject({ status: 'accepted' });
    expect(await logged('nul-ok-2')).toMatchObject({ status: 'unmapped' });
    // The log keeps a copy with the character replaced, so an operator can see what was sent.
    expect(await logged('nul-bad')).toEqual({
      status: 'invalid',
      error: 'properties.note contains U+0000, which cannot be stored',
      payload: expect.objectContaining({ properties: { note: 'a\ufffdb' } }),
    });
    const log = await homing.admin('/api/events?status=invalid&limit=100');
    expect(log.body.events.map((e: { messageId: string }) => e.messageId)).toContain('nul-bad');
  });

  it('names the path of a bad key, userId, messageId or lone surrogate', async () => {
    const res = await post(
      `${homing.url}/segment`,
      JSON.stringify([
        track('bad-key', { ['k\u0000']: 1 }),
        identify('bad-user', { userId: 'u\u0000' }),
        identify('bad-\u0000id'),
        track('bad-surrogate', { items: [{ name: 'x\ud800' }] }),
        track('bad-low-surrogate', { note: '\udc00' }),
        track('good-pair', { note: 'emoji \ud83d\ude80' }),
      ]),
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { messageId: 'bad-key', status: 'invalid', error: 'properties has a key that contains U+0000, which cannot be stored' },
      { messageId: 'bad-user', status: 'invalid', error: 'userId contains U+0000, which cannot be stored' },
      { messageId: 'bad-\ufffdid', status: 'invalid', error: 'messageId contains U+0000, which cannot be stored' },
      { messageId: 'bad-surrogate', status: 'invalid', error: 'properties.items.0.name contains a lone surrogate (U+D800), which cannot be stored' },
      { messageId: 'bad-low-surrogate', status: 'invalid', error: 'properties.note contains a lone surrogate (U+DC00), which cannot be stored' },
      { messageId: 'good-pair', status: 'unmapped' },
    ]);
    expect(await logged('bad-user')).toMatchObject({ status: 'invalid', payload: expect.objectContaining({ userId: 'u\ufffd' }) });
    expect(await logged('good-pair')).toMatchObject({ payload: expect.objectContaining({ properties: { note: 'emoji 🚀' } }) });
  });

  it('/v1/batch: the bad item is logged as invalid, the rest of the batch is stored', async () => {
    const res = await post(`${homing.url}/v1/batch`, JSON.stringify({ batch: [identify('v1-nul-ok'), track('v1-nul-bad', { note: '\u0000' })] }), auth);
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    expect(await logged('v1-nul-ok')).toMatchObject({ status: 'accepted' });
    expect(await logged('v1-nul-bad')).toMatchObject({ status: 'invalid', error: 'properties.note contains U+0000, which cannot be stored' });
  });

  it('concurrent well-formed requests committed with a bad one are all stored', async () => {
    const good = Array.from({ length: 60 }, (_, i) => post(`${homing.url}/segment`, JSON.stringify(identify(`crowd-${i}`)), auth));
    const bad = Array.from({ length: 5 }, (_, i) => post(`${homing.url}/segment`, JSON.stringify(identify(`crowd-bad-${i}`, { traits: { a: '\u0000' } })), auth));
    const badV1 = post(`${homing.url}/v1/identify`, JSON.stringify(identify('crowd-bad-v1', { traits: { ['\ud800']: 1 } })), auth);
    const replies = await Promise.all([...good, ...bad, badV1]);
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    for (const r of replies.slice(60, 65)) expect(r.body.results[0]).toMatchObject({ status: 'invalid', error: 'traits.a contains U+0000, which cannot be stored' });
    const { rows } = await homing.pool.query("SELECT status, count(*)::int AS n FROM events WHERE message_id LIKE 'crowd-%' GROUP BY status ORDER BY status");
    expect(rows).toEqual([{ status: 'accepted', n: 60 }, { status: 'invalid', n: 6 }]);
  });
});

describe('ids too long to index', () => {
  it('make their event invalid; the rest of the batch is stored', async () => {
    // Random, so Postgres cannot compress them under its index row limit.
    const huge = () => crypto.randomBytes(6_000).toString('base64');
    const hugeId = huge();
    const res = await post(
      `${homing.url}/segment`,
      JSON.stringify([identify('long-ok-1'), identify(hugeId), identify('long-user', { userId: huge() }), track('long-event', {}, { event: huge() }), { messageId: 'long-type', type: huge(), userId: 'h1' }, identify('long-ok-2')]),
      auth,
    );
    expect(res.status).toBe(200);
    const [ok1, longId, longUser, longEvent, longType, ok2] = res.body.results;
    expect([ok1, ok2]).toEqual([{ messageId: 'long-ok-1', status: 'accepted' }, { messageId: 'long-ok-2', status: 'accepted' }]);
    // Logged under a generated messageId, its own kept in the payload.
    expect(longId).toEqual({ messageId: expect.stringMatching(/^homing-/), status: 'invalid', error: expect.stringMatching(/^messageId: /) });
    expect((await logged(longId.messageId))?.payload.messageId).toBe(hugeId);
    expect(longUser).toEqual({ messageId: 'long-user', status: 'invalid', error: expect.stringMatching(/^userId: .*512/) });
    expect(longEvent).toEqual({ messageId: 'long-event', status: 'invalid', error: expect.stringMatching(/^event: .*512/) });
    expect(longType).toMatchObject({ messageId: 'long-type', status: 'invalid' });
    const { rows } = await homing.pool.query("SELECT message_id, type, user_id FROM events WHERE message_id IN ('long-user', 'long-type') ORDER BY message_id");
    expect(rows).toEqual([{ message_id: 'long-type', type: 'unknown', user_id: 'h1' }, { message_id: 'long-user', type: 'identify', user_id: null }]);
  });
});

describe('an event Postgres refuses for a reason ingest does not foresee', () => {
  beforeAll(async () => {
    // Fault injection in this file's own database: Postgres refuses one messageId as bad data.
    await homing.pool.query(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.message_id = 'poison' THEN RAISE EXCEPTION 'poison refused' USING ERRCODE = '22023'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
  });
  afterAll(() => homing.pool.query('DROP TRIGGER refuse_poison ON events; DROP FUNCTION refuse_poison()'));

  it('fails only its own request, with a 400; the requests committed with it are stored', async () => {
    /** Counts requests handed to the group commit (ingest submits synchronously). */
    class CountingPipeline extends IngestPipeline {
      submitted = 0;
      override ingest(events: unknown[]) {
        this.submitted++;
        return super.ingest(events);
      }
    }
    const pipeline = new CountingPipeline(homing.pool);
    const api = await startOwnApi(homing, { pipeline });
    const locker = await homing.pool.connect();
    try {
      // Every writer waits on the lock, so the requests after them queue up and are committed as one group.
      await locker.query('BEGIN; LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE');
      const writers = Array.from({ length: 4 }, (_, i) => post(`${api.url}/segment`, JSON.stringify(identify(`neighbour-w${i}`)), auth));
      await eventually(async () => pipeline.submitted === 4, 10_000, 'every writer to be busy');
      const group = [
        ...Array.from({ length: 20 }, (_, i) => post(`${api.url}/segment`, JSON.stringify(identify(`neighbour-${i}`)), auth)),
        post(`${api.url}/segment`, JSON.stringify(identify('poison')), auth),
        ...Array.from({ length: 20 }, (_, i) => post(`${api.url}/v1/identify`, JSON.stringify(identify(`neighbour-v1-${i}`)), auth)),
      ];
      await eventually(async () => pipeline.submitted === 45, 10_000, 'the group to be queued');
      await locker.query('COMMIT');
      const replies = await Promise.all([...writers, ...group]);
      const [badReply] = replies.splice(24, 1);
      expect(badReply).toMatchObject({ status: 400, body: { error: 'events could not be stored: poison refused' } });
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
      const { rows } = await homing.pool.query("SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'neighbour-%'");
      expect(rows[0].n).toBe(44);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      api.close();
    }
  });
});

describe('deeply nested JSON', () => {
  const deep = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const body = (depth: number) => `{"type":"track","userId":"deep","event":"Deep","messageId":"deep-${depth}","properties":${deep(depth)}}`;

  it('is a 400 naming the depth limit on /segment and /v1/*, not a 500', async () => {
    for (const url of [`${homing.url}/segment`, `${homing.url}/v1/track`]) {
      const res = await post(url, body(5_000), auth);
      expect(res).toMatchObject({ status: 400, body: { error: 'JSON is nested deeper than 64 levels' } });
    }
    expect((await post(`${homing.url}/segment`, body(50), auth)).status).toBe(200);
    expect(await logged('deep-5000')).toBeUndefined();
  });
});

describe('unauthenticated clients', () => {
  /** Headers and the start of a body that never finishes; the reply (if any) is collected. */
  function stalled(port: number, path: string, headers: Record<string, string>): { reply: Promise<string>; socket: net.Socket } {
    const socket = net.connect(port, '127.0.0.1');
    const head = Object.entries({ 'content-type': 'application/json', 'content-length': '1000', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`POST ${path} HTTP/1.1\r\nhost: localhost\r\n${head}\r\n{"type":`);
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => undefined);
    return { reply: new Promise((resolve) => socket.on('close', () => resolve(text))), socket };
  }

  it('stalled unauthenticated bodies cannot lock out authenticated ingest, and time out with 408', async () => {
    const api = await startOwnApi(homing, SMALL_LIMITS);
    try {
      // More stalled unauthenticated uploads than the unauthenticated limit, on both routes.
      const attackers = [
        ...Array.from({ length: 5 }, () => stalled(api.port, '/segment', { 'x-signature': 'ab'.repeat(20) })),
        ...Array.from({ length: 5 }, () => stalled(api.port, '/v1/track', {})),
      ];
      // Wait until the server has seen them: a further unauthenticated upload is shed.
      const signed = JSON.stringify(identify('unauth-shed'));
      const signature = crypto.createHmac('sha1', API_KEY).update(signed).digest('hex');
      const shed = await eventually(async () => {
        const r = await post(`${api.url}/segment`, signed, { 'x-signature': signature });
        return r.status === 429 ? r : undefined;
      }, 5_000, 'the unauthenticated limit to be reached');
      expect(shed.body.error).toMatch(/unauthenticated/);
      expect(shed.headers.get('retry-after')).toBe('1');

      // A key in a header is checked before the body is read: these go through.
      const ok = await post(`${api.url}/segment`, JSON.stringify(identify('unauth-ok-1')), auth);
      expect(ok).toMatchObject({ status: 200, body: { results: [{ messageId: 'unauth-ok-1', status: 'accepted' }] } });
      expect((await post(`${api.url}/v1/identify`, JSON.stringify(identify('unauth-ok-2')), auth)).status).toBe(200);
      // A wrong key in a header is refused without reading the body.
      const wrong = stalled(api.port, '/segment', { authorization: basic('nope') });
      expect(await wrong.reply).toMatch(/^HTTP\/1\.1 401[\s\S]*wrong API key/);

      // The two that got a slot are answered 408 once their time is up, the others were shed at once; all are closed.
      const replies = await Promise.all(attackers.map((a) => a.reply));
      const timedOut = replies.filter((r) => /^HTTP\/1\.1 408[\s\S]*"error":"request body not received within 2 s"/.test(r));
      const shedAtOnce = replies.filter((r) => /^HTTP\/1\.1 429[\s\S]*too many unauthenticated requests/.test(r));
      expect([timedOut.length, shedAtOnce.length]).toEqual([2, 8]);
      // The slots are free again.
      expect((await post(`${api.url}/segment`, signed, { 'x-signature': signature })).status).toBe(200);
    } finally {
      api.close();
    }
  });

  it('an authenticated request whose body stalls gets 408 too', async () => {
    const api = await startOwnApi(homing, SMALL_LIMITS);
    try {
      const slow = stalled(api.port, '/segment', auth);
      expect(await slow.reply).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      api.close();
    }
  });

  it('a gzip bomb is refused with 400', async () => {
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 512 }, () => member));
    const signed = await post(`${homing.url}/segment`, bomb, { 'content-encoding': 'gzip', 'x-signature': 'ab'.repeat(20) });
    expect(signed).toMatchObject({ status: 400, body: { error: 'request body is larger than 500 KB' } });
    const keyed = await post(`${homing.url}/v1/batch`, bomb, { ...auth, 'content-encoding': 'gzip' });
    expect(keyed).toMatchObject({ status: 400, body: { error: 'request body is larger than 500 KB' } });
  });
});
