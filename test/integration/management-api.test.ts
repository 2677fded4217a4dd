import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';

let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming();
});
afterAll(() => homing.stop());

const send = (events: unknown[]) => post(`${homing.url}/segment`, JSON.stringify(events), { authorization: basic(API_KEY) });
const appliedAll = async () => (await homing.pool.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n === 0;

describe('GET /api/events', () => {
  beforeAll(async () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ messageId: `page-${String(i).padStart(2, '0')}`, type: 'track', event: i % 2 ? 'Odd' : 'Even', userId: 'pager' }));
    await send([...events, { messageId: 'pager-identify', type: 'identify', userId: 'pager', traits: {} }, { messageId: 'other-user', type: 'track', event: 'Odd', userId: 'someone' }]);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { events: Array<{ messageId: string }>; nextCursor: string | null } } = await homing.admin(
        `/api/events?userId=pager&type=track&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.events.map((e) => e.messageId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `page-${String(24 - i).padStart(2, '0')}`));
  });

  it('filters by status, type, userId and event name', async () => {
    const odd = await homing.admin('/api/events?event=Odd&userId=pager&limit=100');
    expect(odd.body.events).toHaveLength(12);
    const identifies = await homing.admin('/api/events?type=identify&userId=pager');
    expect(identifies.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(['pager-identify']);
    const unmapped = await homing.admin('/api/events?status=unmapped&event=Odd&limit=100');
    expect(unmapped.body.events).toHaveLength(13);
    const none = await homing.admin('/api/events?status=duplicate&userId=pager');
    expect(none.body).toEqual({ events: [], nextCursor: null });
  });
});

describe('/api/profiles', () => {
  it('merges, replaces and deletes', async () => {
    await send([{ messageId: 'prof-1', type: 'identify', userId: 'pat', anonymousId: 'anon-pat', traits: { name: 'Pat', address: { city: 'Oslo', zip: '0150' } } }]);
    await eventually(appliedAll);

    const merged = await homing.admin('/api/profiles/pat', { method: 'POST', body: { traits: { address: { city: 'Bergen' }, name: null, vip: true } } });
    expect(merged.status).toBe(200);
    expect(merged.body.traits).toEqual({ address: { city: 'Bergen', zip: '0150' }, vip: true });

    // Edits through an alias reach the same profile.
    const replaced = await homing.admin('/api/profiles/anon-pat', { method: 'PUT', body: { traits: { email: 'pat@example.com', gone: null } } });
    expect(replaced.body).toMatchObject({ userId: 'pat', traits: { email: 'pat@example.com' }, contact: { email: 'pat@example.com' } });

    const created = await homing.admin('/api/profiles/new-person', { method: 'POST', body: { traits: { phone_number: '+4712345678' } } });
    expect(created.body).toMatchObject({ userId: 'new-person', anonymous: false, contact: { phone: '+4712345678' } });

    expect((await homing.admin('/api/profiles/pat', { method: 'DELETE' })).body).toEqual({ deleted: true });
    expect((await homing.admin('/api/profiles/pat')).status).toBe(404);
    expect((await homing.admin('/api/profiles/anon-pat')).status).toBe(404);
    expect((await homing.admin('/api/profiles/pat', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('identity, groups and audiences through ingest', () => {
  it('folds an anonymous visitor into the user who signs up', async () => {
    await send([{ messageId: 'anon-visit', type: 'identify', anonymousId: 'visitor-9', traits: { utm: 'ads', theme: 'dark' } }]);
    await eventually(appliedAll);
    expect((await homing.admin('/api/profiles/visitor-9')).body).toMatchObject({ userId: 'visitor-9', anonymous: true });

    await send([{ messageId: 'signup', type: 'identify', userId: 'vera', anonymousId: 'visitor-9', traits: { email: 'vera@example.com', theme: 'light' } }]);
    await eventually(appliedAll);
    const p = (await homing.admin('/api/profiles/visitor-9')).body;
    expect(p).toMatchObject({ userId: 'vera', anonymous: false, aliases: ['visitor-9'] });
    expect(p.traits).toEqual({ utm: 'ads', theme: 'light', email: 'vera@example.com' });
  });

  it('records group traits (merged) and members', async () => {
    await send([
      { messageId: 'grp-1', type: 'group', userId: 'gus', groupId: 'team-1', traits: { name: 'Team', limits: { seats: 5 } } },
      { messageId: 'grp-2', type: 'group', userId: 'gia', groupId: 'team-1', traits: { limits: { api: 10 } } },
    ]);
    await eventually(appliedAll);
    const g = (await homing.admin('/api/groups/team-1')).body;
    expect(g.traits).toEqual({ name: 'Team', limits: { seats: 5, api: 10 } });
    expect(g.members.map((m: { userId: string }) => m.userId).sort()).toEqual(['gia', 'gus']);
    expect((await homing.admin('/api/profiles/gus')).body.groups).toEqual(['team-1']);
  });

  it('flips Engage audience membership', async () => {
    const audience = (messageId: string, member: boolean) => ({
      messageId,
      type: 'identify',
      userId: 'aud',
      traits: { high_value: member },
      context: { personas: { computation_class: 'audience', computation_key: 'high_value', computation_id: 'aud_123' } },
    });
    await send([audience('aud-in', true)]);
    await eventually(appliedAll);
    expect((await homing.admin('/api/profiles/aud')).body.audiences.high_value.member).toBe(true);
    await send([audience('aud-out', false)]);
    await eventually(appliedAll);
    const p = (await homing.admin('/api/profiles/aud')).body;
    expect(p.audiences.high_value.member).toBe(false);
    expect(p.traits.high_value).toBe(false);
  });
});

describe('health, metrics and OpenAPI', () => {
  it('/healthz and /readyz answer without a token', async () => {
    expect(await (await fetch(`${homing.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${homing.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, postgres: { ok: true }, temporal: { ok: true } });
  });

  it('/metrics exposes ingest counters in Prometheus format', async () => {
    const text = await (await fetch(`${homing.url}/metrics`)).text();
    expect(text).toMatch(/^homing_ingest_events_total\{status="unmapped"\} \d+/m);
    expect(text).toMatch(/^homing_profile_events_applied_total\{type="identify"\} \d+/m);
    expect(text).toContain('homing_http_request_duration_seconds_bucket');
  });

  it('/openapi.json documents every management route from the same schemas', async () => {
    const doc = (await (await fetch(`${homing.url}/openapi.json`)).json()) as any;
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/automations',
      '/api/automations/{id}/template-slots',
      '/api/doctor',
      '/api/events',
      '/api/groups/{groupId}',
      '/api/mailbox',
      '/api/mappings',
      '/api/mappings/{id}',
      '/api/mappings/{id}/versions',
      '/api/messages',
      '/api/messages/{id}',
      '/api/profiles',
      '/api/profiles/{userId}',
      '/api/profiles/{userId}/preferences',
      '/api/runs',
      '/api/runs/{id}',
      '/api/runs/{id}/cancel',
      '/api/segment/connection',
      '/api/session',
      '/api/settings/export',
      '/api/stats/funnel',
      '/api/stats/overview',
      '/api/suppressions',
      '/api/suppressions/{channel}/{address}',
      '/api/templates',
      '/api/templates/{id}',
      '/api/templates/{id}/preview',
      '/api/templates/{id}/publish',
      '/api/templates/{id}/test-send',
      '/api/templates/{id}/versions/{version}',
      '/api/topics',
      '/api/topics/{id}',
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/readyz',
      '/segment',
      '/t/c/{token}',
      '/t/h/{token}',
      '/t/o/{token}',
      '/u/{token}',
      '/u/{token}/preferences',
      '/v1/{kind}',
      '/webhooks/sendgrid',
      '/webhooks/twilio',
      '/webhooks/twilio/inbound',
    ]);
    expect(Object.keys(doc.paths['/api/profiles/{userId}']).sort()).toEqual(['delete', 'get', 'post', 'put']);
    const params = doc.paths['/api/events'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(['status', 'type', 'userId', 'event', 'limit', 'cursor']);
    expect(doc.paths['/api/events'].get.responses['200'].content['application/json'].schema.properties.events.type).toBe('array');
  });

  it('/openapi.json documents ingest, tracking and health routes with their security and every status they answer', async () => {
    const doc = (await (await fetch(`${homing.url}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'apiKeyBasic', 'apiKeyBearer', 'segmentSignature', 'sendgridSignature', 'studioSession', 'twilioSignature']);
    // Management routes take the admin token or the Studio's session cookie, whose state changes need the CSRF header.
    expect(doc.paths['/api/events'].get.security).toEqual([{ adminToken: [] }, { studioSession: [] }]);
    expect(doc.paths['/api/events'].get.responses['403']).toBeUndefined();
    expect(doc.paths['/api/mappings'].post.responses['403'].description).toMatch(/CSRF/);
    expect(doc.paths['/api/session'].post.security).toEqual([]);
    const segment = doc.paths['/segment'].post;
    expect(segment.security).toEqual([{ apiKeyBasic: [] }, { apiKeyBearer: [] }, { segmentSignature: [] }]);
    expect(Object.keys(segment.responses).sort()).toEqual(['200', '400', '401', '408', '429', '503']);
    expect(segment.responses['200'].content['application/json'].schema.properties.results.type).toBe('array');
    const v1 = doc.paths['/v1/{kind}'].post;
    expect(v1.parameters[0]).toMatchObject({ name: 'kind', in: 'path', schema: { enum: ['identify', 'i', 'track', 't', 'page', 'p', 'screen', 's', 'group', 'g', 'alias', 'a', 'batch', 'b', 'import'] } });
    expect(Object.keys(v1.responses).sort()).toEqual(['200', '400', '401', '404', '408', '429', '503']);
    expect(doc.paths['/t/o/{token}'].get.responses['200'].content).toHaveProperty(['image/gif']);
    expect(doc.paths['/t/c/{token}'].get.responses['302']).toBeDefined();
    expect(doc.paths['/t/c/{token}'].get.security).toEqual([]);
    expect(Object.keys(doc.paths['/readyz'].get.responses).sort()).toEqual(['200', '503']);
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty(['text/plain']);
    expect(doc.paths['/api/mappings'].post.responses['201']).toBeDefined();
    expect(doc.paths['/api/mappings'].post.responses['200']).toBeUndefined();
  });

  it('mapping automation is an id of the catalog (which HOMING_AUTOMATIONS extends), in the document and in validation', async () => {
    const doc = (await (await fetch(`${homing.url}/openapi.json`)).json()) as any;
    const schema = doc.paths['/api/mappings'].post.requestBody.content['application/json'].schema;
    expect(schema.properties.automation).toMatchObject({ type: 'string', description: 'an automation id from GET /api/automations' });
    const res = await homing.admin('/api/mappings', { method: 'POST', body: { name: 'x', trigger: { type: 'identify' }, automation: 'nope', params: {} } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unknown automation "nope"; the catalog has: email-then-sms, single-send');
  });
});
