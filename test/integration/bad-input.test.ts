import crypto from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import express from 'express';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createPool } from '../../src/db/pool';
import { startApi } from '../../src/services';
import { errorHandler } from '../../src/http/errors';
import { ADMIN_TOKEN, API_KEY, OLD_API_KEY, basic, eventually, post, startHoming, startOwnApi, type TestHoming } from '../helpers/homing';
import { tempDir } from '../helpers/servers';

let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
});
afterAll(() => homing.stop());

const auth = { authorization: basic(API_KEY) };
const identify = (messageId: string, extra: Record<string, unknown> = {}) =>
  ({ messageId, type: 'identify', userId: 'u1', traits: { a: 1 }, ...extra });

function expectJsonError(res: { status: number; body: any }, status: number, pattern: RegExp) {
  expect(res.status).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(res.body.error).toMatch(pattern);
}

describe('POST /segment authentication', () => {
  const body = JSON.stringify(identify('auth-1'));

  it('accepts Basic, Bearer, a rotated key and a valid X-Signature', async () => {
    expect((await post(`${homing.url}/segment`, body, { authorization: basic(API_KEY) })).status).toBe(200);
    expect((await post(`${homing.url}/segment`, body, { authorization: `Bearer ${API_KEY}` })).status).toBe(200);
    expect((await post(`${homing.url}/segment`, body, { authorization: basic(OLD_API_KEY) })).status).toBe(200);
    const signature = crypto.createHmac('sha1', API_KEY).update(body).digest('hex');
    expect((await post(`${homing.url}/segment`, body, { 'x-signature': signature })).status).toBe(200);
  });

  it('rejects a missing key, a wrong key and a bad signature with 401', async () => {
    expectJsonError(await post(`${homing.url}/segment`, body), 401, /missing API key/);
    expectJsonError(await post(`${homing.url}/segment`, body, { authorization: basic('nope') }), 401, /wrong API key/);
    expectJsonError(await post(`${homing.url}/segment`, body, { authorization: `Bearer ${ADMIN_TOKEN}` }), 401, /wrong API key/);
    const forged = crypto.createHmac('sha1', 'other').update(body).digest('hex');
    expectJsonError(await post(`${homing.url}/segment`, body, { 'x-signature': forged }), 401, /X-Signature/);
    // A signature over a different body does not authorize this one.
    const other = crypto.createHmac('sha1', API_KEY).update(body + ' ').digest('hex');
    expectJsonError(await post(`${homing.url}/segment`, body, { 'x-signature': other }), 401, /X-Signature/);
  });
});

describe('POST /segment bad bodies', () => {
  it('malformed JSON → 400 naming it', async () => {
    expectJsonError(await post(`${homing.url}/segment`, '{"type": "identify",', auth), 400, /malformed JSON/);
  });

  it('empty body and empty batch → 400', async () => {
    expectJsonError(await post(`${homing.url}/segment`, '', auth), 400, /empty/);
    expectJsonError(await post(`${homing.url}/segment`, '[]', auth), 400, /no events/);
  });

  it('a body over 500 KB → 400, and nothing of it is logged', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => identify(`big-body-${i}`, { traits: { pad: 'x'.repeat(14_000) } }));
    const res = await post(`${homing.url}/segment`, JSON.stringify({ batch }), auth);
    expectJsonError(res, 400, /larger than 500 KB/);
    const logged = await homing.pool.query("SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'big-body-%'");
    expect(logged.rows[0].n).toBe(0);
  });

  it('the 500 KB limit applies after gzip decoding too', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => identify(`gz-${i}`, { traits: { pad: 'x'.repeat(14_000) } }));
    const res = await post(`${homing.url}/segment`, zlib.gzipSync(JSON.stringify({ batch })), { ...auth, 'content-encoding': 'gzip' });
    expectJsonError(res, 400, /larger than 500 KB/);
  });

  it('a gzip body within limits is accepted', async () => {
    const res = await post(`${homing.url}/segment`, zlib.gzipSync(JSON.stringify(identify('gz-ok'))), { ...auth, 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toEqual({ messageId: 'gz-ok', status: 'accepted' });
  });

  it('an event over 32 KB → 400 naming the event', async () => {
    const res = await post(`${homing.url}/segment`, JSON.stringify([identify('small'), identify('huge', { traits: { pad: 'y'.repeat(33_000) } })]), auth);
    expectJsonError(res, 400, /event 1 is larger than 32 KB/);
  });

  it('events that break the Segment Spec are logged as invalid, with the reason, and the rest accepted', async () => {
    const res = await post(
      `${homing.url}/segment`,
      JSON.stringify([
        { messageId: 'inv-1', type: 'track', userId: 'u1' },
        { messageId: 'inv-2', type: 'identify', traits: {} },
        { messageId: 'inv-3', type: 'launch', userId: 'u1' },
        { messageId: 'inv-4', type: 'alias', userId: 'u1' },
        { messageId: 'inv-5', type: 'identify', userId: 'u1', timestamp: 'yesterday' },
        'not an event',
        identify('inv-ok'),
      ]),
      auth,
    );
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.results.map((r: { messageId: string }) => [r.messageId, r]));
    expect(byId['inv-1']).toMatchObject({ status: 'invalid', error: expect.stringMatching(/event/) });
    expect(byId['inv-2']).toMatchObject({ status: 'invalid', error: expect.stringMatching(/userId or anonymousId/) });
    expect(byId['inv-3']).toMatchObject({ status: 'invalid', error: expect.stringMatching(/type must be one of/) });
    expect(byId['inv-4']).toMatchObject({ status: 'invalid', error: expect.stringMatching(/previousId/) });
    expect(byId['inv-5']).toMatchObject({ status: 'invalid', error: expect.stringMatching(/timestamp/) });
    expect(byId['inv-ok']).toEqual({ messageId: 'inv-ok', status: 'accepted' });
    expect(res.body.results[5]).toMatchObject({ status: 'invalid', messageId: expect.stringMatching(/^homing-/) });
    const log = await homing.admin('/api/events?status=invalid&limit=100');
    expect(log.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(expect.arrayContaining(['inv-1', 'inv-2', 'inv-3', 'inv-4', 'inv-5']));
    // Invalid events change nothing: they never reach the outbox.
    const queued = await homing.pool.query("SELECT count(*)::int AS n FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.status = 'invalid'");
    expect(queued.rows[0].n).toBe(0);
  });

  it('unsupported Content-Encoding → 400', async () => {
    expectJsonError(await post(`${homing.url}/segment`, '{}', { ...auth, 'content-encoding': 'br' }), 400, /Content-Encoding/);
  });
});

describe('Tracking API /v1/*', () => {
  it('accepts the write key in the body, whatever the content type, and merges batch context', async () => {
    const res = await post(
      `${homing.url}/v1/b`,
      JSON.stringify({ writeKey: API_KEY, context: { library: { name: 'curl' }, ip: '1.2.3.4' }, batch: [{ type: 'track', event: 'Viewed', userId: 'v1', messageId: 'v1-batch-1', context: { ip: '5.6.7.8' } }] }),
      { 'content-type': 'text/plain' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    const log = await homing.admin('/api/events?userId=v1');
    expect(log.body.events[0].payload.context).toEqual({ library: { name: 'curl' }, ip: '5.6.7.8' });
    expect(log.body.events[0].payload.writeKey).toBeUndefined();
  });

  it('short forms map to their types', async () => {
    for (const [path, type] of [['i', 'identify'], ['t', 'track'], ['p', 'page'], ['s', 'screen'], ['g', 'group'], ['a', 'alias']]) {
      const body = { messageId: `short-${path}`, userId: 'shorty', event: 'E', groupId: 'g1', previousId: 'old-shorty' };
      expect((await post(`${homing.url}/v1/${path}`, JSON.stringify(body), auth)).status).toBe(200);
      const row = await homing.pool.query('SELECT type, status FROM events WHERE message_id = $1', [`short-${path}`]);
      expect(row.rows[0]).toEqual({ type, status: type === 'track' ? 'unmapped' : 'accepted' });
    }
  });

  it('bad bodies, keys and paths get JSON errors', async () => {
    expectJsonError(await post(`${homing.url}/v1/track`, '{nope', auth), 400, /malformed JSON/);
    expectJsonError(await post(`${homing.url}/v1/track`, '[1,2]', auth), 400, /JSON object/);
    expectJsonError(await post(`${homing.url}/v1/batch`, JSON.stringify({ batch: 'x' }), auth), 400, /batch must be an array/);
    expectJsonError(await post(`${homing.url}/v1/track`, JSON.stringify({ event: 'E', userId: 'u' })), 401, /missing write key/);
    expectJsonError(await post(`${homing.url}/v1/track`, JSON.stringify({ event: 'E', userId: 'u', writeKey: 'bad' })), 401, /wrong write key/);
    expectJsonError(await post(`${homing.url}/v1/launch`, '{}', auth), 404, /unknown Tracking API call/);
  });

  it('an invalid item is logged as invalid without failing its batch', async () => {
    const res = await post(`${homing.url}/v1/batch`, JSON.stringify({ batch: [{ type: 'track', userId: 'x', messageId: 'v1-inv' }, { type: 'page', userId: 'x', messageId: 'v1-ok' }] }), auth);
    expect(res.status).toBe(200);
    const rows = await homing.pool.query("SELECT message_id, status FROM events WHERE message_id IN ('v1-inv', 'v1-ok') ORDER BY message_id");
    expect(rows.rows).toEqual([{ message_id: 'v1-inv', status: 'invalid' }, { message_id: 'v1-ok', status: 'accepted' }]);
  });
});

describe('management API bad input', () => {
  it('missing or wrong admin token → 401; the API key is not an admin token', async () => {
    const none = await fetch(`${homing.url}/api/events`);
    expectJsonError({ status: none.status, body: await none.json() }, 401, /missing admin token/);
    const wrong = await fetch(`${homing.url}/api/events`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expectJsonError({ status: wrong.status, body: await wrong.json() }, 401, /wrong admin token/);
  });

  it('bad query values and bodies → 400 with details; unknown ids → 404', async () => {
    const limit = await homing.admin('/api/events?limit=0');
    expectJsonError(limit, 400, /invalid request/);
    expect(limit.body.details[0].path).toBe('limit');
    expectJsonError(await homing.admin('/api/events?status=lost'), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/events?cursor=abc'), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/profiles/x', { method: 'POST', body: { traits: 'no' } }), 400, /invalid request/);
    const malformed = await fetch(`${homing.url}/api/profiles/x`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{oops' });
    expectJsonError({ status: malformed.status, body: await malformed.json() }, 400, /malformed JSON/);
    expectJsonError(await homing.admin('/api/profiles/nobody'), 404, /no profile/);
    expectJsonError(await homing.admin('/api/groups/nogroup'), 404, /no group/);
    expectJsonError(await homing.admin('/api/nothing'), 404, /no route/);
  });
});

describe('storage unavailable', () => {
  it('answers 503 with Retry-After so Segment retries, and /readyz says why', async () => {
    const config = loadConfig({ HOMING_DATA_DIR: tempDir('homing-down-'), HOMING_API_KEY: API_KEY, HOMING_ADMIN_TOKEN: ADMIN_TOKEN, TRACKING_SECRET: 's', LOG_LEVEL: 'silent' });
    // Nothing listens on port 1.
    const databaseUrl = 'postgres://homing:homing@127.0.0.1:1/homing';
    const pool = createPool(databaseUrl);
    const api = await startApi({ config, pool, databaseUrl, temporalAddress: '127.0.0.1:1', log: createLogger('silent'), port: 0 });
    try {
      const res = await post(`${api.url}/segment`, JSON.stringify(identify('down-1')), auth);
      expectJsonError(res, 503, /storage unavailable/);
      expect(res.headers.get('retry-after')).toBe('5');
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ok: false, postgres: { ok: false }, temporal: { ok: false } });
    } finally {
      await api.stop();
      await pool.end();
    }
  });
});

describe('overload', () => {
  it('past the in-flight limit answers 429 with Retry-After, and serves again once load drops', async () => {
    const { url, close } = await startOwnApi(homing, { maxInFlight: 1 });
    try {
      // A request whose body is still arriving holds the only slot.
      const slow = http.request(`${url}/segment`, { method: 'POST', headers: { authorization: basic(API_KEY), 'content-type': 'application/json' } });
      const slowResponse = new Promise<http.IncomingMessage>((resolve) => slow.on('response', resolve));
      slow.write('[');
      // Once the slow request holds the slot (no fixed sleep: the machine may be loaded).
      const shed = await eventually(async () => {
        const res = await post(`${url}/segment`, JSON.stringify(identify('overload-2')), auth);
        return res.status === 429 ? res : undefined;
      }, 10_000, 'a 429 while the slot is held');
      expectJsonError(shed, 429, /too many requests/);
      expect(shed.headers.get('retry-after')).toBe('1');
      slow.end(`${JSON.stringify(identify('overload-1'))}]`);
      expect((await slowResponse).statusCode).toBe(200);
      expect((await post(`${url}/segment`, JSON.stringify(identify('overload-3')), auth)).status).toBe(200);
    } finally {
      close();
    }
  });
});

describe('management API: input Postgres cannot store or compare → 400, never 500', () => {
  const raw = async (path: string, init: { method?: string; body?: string } = {}) => {
    const res = await fetch(`${homing.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: init.body });
    return { status: res.status, body: await res.json() };
  };
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  beforeAll(async () => {
    const created = await homing.admin('/api/templates', { method: 'POST', body: { id: 'hostile', name: 'Hostile', channel: 'sms', content: { text: 'hi' } } });
    expect(created.status).toBe(201);
  });

  it('cursors beyond bigint', async () => {
    expectJsonError(await homing.admin('/api/events?cursor=99999999999999999999'), 400, /cursor/);
    expectJsonError(await homing.admin('/api/mailbox?cursor=99999999999999999999'), 400, /cursor/);
  });

  it('a preview version beyond integer', async () => {
    expectJsonError(await homing.admin('/api/templates/hostile/preview', { method: 'POST', body: { version: 2147483648 } }), 400, /version/);
  });

  it.each(['profiles', 'templates', 'mappings', 'runs', 'messages', 'groups'])('%%00 in a /api/%s id', async (kind) => {
    expectJsonError(await homing.admin(`/api/${kind}/a%00b`), 400, /invalid request/);
  });

  it('ids too long for an index: 400 naming the limit, on reads and writes', async () => {
    // Random, so Postgres cannot compress it under the btree limit.
    const long = crypto.randomBytes(3_000).toString('hex');
    expectJsonError(await homing.admin(`/api/profiles/${long}`, { method: 'POST', body: { traits: { a: 1 } } }), 400, /512/);
    expectJsonError(await homing.admin(`/api/profiles/${long}`, { method: 'PUT', body: { traits: { a: 1 } } }), 400, /512/);
    expectJsonError(await homing.admin(`/api/groups/${long}`), 400, /512/);
  });

  it('NUL and lone surrogates in path ids of writes and in filter values', async () => {
    expectJsonError(await homing.admin('/api/profiles/a%00b', { method: 'POST', body: { traits: { a: 1 } } }), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/templates/a%00b/preview', { method: 'POST', body: {} }), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/runs/a%ED%A0%80b/cancel', { method: 'POST' }), 400, /decode|invalid request/);
    for (const q of ['userId=%00', 'type=a%00', 'event=%00x']) expectJsonError(await homing.admin(`/api/events?${q}`), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/runs?userId=%00'), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/runs?mappingId=%00'), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/messages?runId=%00'), 400, /invalid request/);
    expectJsonError(await homing.admin('/api/mailbox?to=%00'), 400, /invalid request/);
  });

  it('NUL and lone surrogates in JSON bodies, in values and in keys', async () => {
    expectJsonError(await raw('/api/profiles/hostile-user', { method: 'POST', body: '{"traits":{"a":"x\\u0000y"}}' }), 400, /invalid request/);
    expectJsonError(await raw('/api/profiles/hostile-user', { method: 'PUT', body: '{"traits":{"a\\u0000":1}}' }), 400, /invalid request/);
    expectJsonError(await raw('/api/profiles/hostile-user', { method: 'POST', body: '{"traits":{"a":["\\ud800"]}}' }), 400, /invalid request/);
    expectJsonError(await raw('/api/templates', { method: 'POST', body: '{"name":"n\\u0000","channel":"sms","content":{"text":"hi"}}' }), 400, /invalid request/);
    expectJsonError(await raw('/api/templates/hostile', { method: 'PUT', body: '{"content":{"text":"\\udc00"}}' }), 400, /invalid request/);
    expectJsonError(
      await raw('/api/mappings', { method: 'POST', body: '{"name":"m","trigger":{"type":"track","event":"E\\u0000"},"automation":"single-send","params":{"channel":"sms","template":"hostile"}}' }),
      400,
      /invalid request/,
    );
    expectJsonError(await raw('/api/templates/hostile/preview', { method: 'POST', body: '{"data":{"x":"\\u0000"}}' }), 400, /invalid request/);
  });

  it('JSON nested 5,000 levels deep, on every route with a body', async () => {
    const deep = nested(5000);
    expectJsonError(await raw('/api/profiles/hostile-user', { method: 'POST', body: `{"traits":{"a":${deep}}}` }), 400, /nest/);
    expectJsonError(await raw('/api/profiles/hostile-user', { method: 'PUT', body: `{"traits":{"a":${deep}}}` }), 400, /nest/);
    expectJsonError(await raw('/api/mappings', { method: 'POST', body: `{"name":"m","trigger":{"type":"identify"},"automation":"single-send","params":${deep}}` }), 400, /nest/);
    expectJsonError(await raw('/api/templates/hostile/preview', { method: 'POST', body: `{"data":{"x":${deep}}}` }), 400, /nest/);
    expectJsonError(await raw('/api/templates/hostile', { method: 'PUT', body: `{"content":${deep}}` }), 400, /nest/);
    const profile = await homing.admin('/api/profiles/hostile-user');
    expect(profile.status).toBe(404);
  });
});

describe('error handler safety net', () => {
  it('answers a value Postgres refuses (class 22) with 400, not 500', async () => {
    const app = express();
    app.get('/unvalidated', async () => {
      await homing.pool.query('SELECT $1::text, $2::int', ['a\u0000b', 1]);
    });
    app.get('/out-of-range', async () => {
      await homing.pool.query('SELECT $1::int', ['2147483648']);
    });
    app.use(errorHandler(createLogger('silent')));
    const server = http.createServer(app).listen(0);
    await once(server, 'listening');
    const url = `http://localhost:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/unvalidated', '/out-of-range']) {
        const res = await fetch(`${url}${path}`);
        expectJsonError({ status: res.status, body: await res.json() }, 400, /invalid request/);
      }
    } finally {
      server.close();
    }
  });
});
