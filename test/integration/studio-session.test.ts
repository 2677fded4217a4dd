import { ADMIN_TOKEN, startHoming, startOwnApi, type TestHoming } from '../helpers/homing';

/**
 * The Studio's sign-in: the admin token is exchanged for an HttpOnly,
 * SameSite=Strict session cookie kept in Postgres; with the cookie, every
 * state change also needs the session's CSRF token. Bearer keeps working.
 */
let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
}, 60_000);
afterAll(() => homing?.stop());

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${homing.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Signs in; returns the Cookie header to send back and the session's CSRF token. */
async function signIn(): Promise<{ cookie: string; csrfToken: string; setCookie: string }> {
  const res = await call('/api/session', { method: 'POST', body: { token: ADMIN_TOKEN } });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, csrfToken: res.body.csrfToken, setCookie };
}

const profile = (userId: string) => call(`/api/profiles/${userId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

describe('POST /api/session', () => {
  it('exchanges the admin token for an HttpOnly, SameSite=Strict cookie on / and a CSRF token', async () => {
    const { setCookie, csrfToken, cookie } = await signIn();
    expect(cookie).toMatch(/^homing_session=[A-Za-z0-9_-]{32,}$/);
    const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(attributes).not.toContain('secure');
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    // The token never lands in the session table: only a hash of the cookie's id does.
    const { rows } = await homing.pool.query('SELECT * FROM studio_sessions');
    expect(JSON.stringify(rows)).not.toContain(cookie.split('=')[1]);
    expect(JSON.stringify(rows)).not.toContain(ADMIN_TOKEN);
  });

  it('refuses a wrong or missing token with 401 and no cookie', async () => {
    for (const body of [{ token: 'wrong' }, {}, { token: '' }]) {
      const res = await call('/api/session', { method: 'POST', body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'wrong admin token' });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const own = await startOwnApi(homing, { publicUrl: 'https://homing.example.com' });
    try {
      const res = await fetch(`${own.url}/api/session`, { method: 'POST', body: JSON.stringify({ token: ADMIN_TOKEN }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')!.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
    } finally {
      own.close();
    }
  });
});

describe('with the session cookie', () => {
  it('GET /api/session recovers the CSRF token after a reload; without a valid cookie it is 401', async () => {
    const { cookie, csrfToken } = await signIn();
    expect(await call('/api/session', { headers: { cookie } })).toMatchObject({ status: 200, body: { signedIn: true, csrfToken } });
    expect((await call('/api/session')).status).toBe(401);
    expect((await call('/api/session', { headers: { cookie: 'homing_session=forged' } })).status).toBe(401);
  });

  it('reads any /api route without a CSRF token', async () => {
    const { cookie } = await signIn();
    const events = await call('/api/events?limit=1', { headers: { cookie } });
    expect(events.status).toBe(200);
    expect(events.body).toHaveProperty('events');
    expect((await call('/api/templates', { headers: { cookie } })).status).toBe(200);
    // Among the other cookies a browser sends to the same host.
    expect((await call('/api/templates', { headers: { cookie: `theme=dark; ${cookie}; other=1` } })).status).toBe(200);
  });

  it('refuses a state change without the CSRF token, or with another session’s, and changes nothing', async () => {
    const { cookie } = await signIn();
    const other = await signIn();
    const changes = [
      { method: 'POST', path: '/api/profiles/csrf-victim', body: { traits: { email: 'x@example.com' } } },
      { method: 'PUT', path: '/api/profiles/csrf-victim', body: { traits: { email: 'x@example.com' } } },
      { method: 'DELETE', path: '/api/profiles/csrf-kept' },
      { method: 'POST', path: '/api/templates', body: { id: 'csrf-t', name: 'T', channel: 'sms', content: { text: 'hi' } } },
    ];
    expect((await homing.admin('/api/profiles/csrf-kept', { method: 'POST', body: { traits: { a: 1 } } })).status).toBe(200);
    for (const csrf of [undefined, 'wrong', other.csrfToken]) {
      for (const c of changes) {
        const res = await call(c.path, { method: c.method, body: c.body, headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
        expect({ change: `${c.method} ${c.path}`, status: res.status, body: res.body }).toEqual({ change: `${c.method} ${c.path}`, status: 403, body: { error: 'missing or wrong CSRF token' } });
      }
    }
    expect((await profile('csrf-victim')).status).toBe(404);
    expect((await profile('csrf-kept')).body.traits).toEqual({ a: 1 });
    expect((await homing.admin('/api/templates/csrf-t')).status).toBe(404);
  });

  it('makes a state change with the session’s CSRF token', async () => {
    const { cookie, csrfToken } = await signIn();
    const res = await call('/api/profiles/csrf-ok', { method: 'POST', body: { traits: { plan: 'pro' } }, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(res.status).toBe(200);
    expect((await profile('csrf-ok')).body.traits).toEqual({ plan: 'pro' });
  });

  it('refuses a state change with neither a Bearer token nor a session with 401', async () => {
    const res = await call('/api/profiles/nobody', { method: 'POST', body: { traits: {} }, headers: { 'x-csrf-token': 'anything' } });
    expect(res.status).toBe(401);
    expect((await profile('nobody')).status).toBe(404);
  });

  it('signs out: the session is deleted, the cookie cleared, and the old cookie is refused', async () => {
    const { cookie, csrfToken } = await signIn();
    expect((await call('/api/session', { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const out = await call('/api/session', { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    expect(out.headers.get('set-cookie')).toMatch(/^homing_session=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)/i);
    expect((await call('/api/session', { headers: { cookie } })).status).toBe(401);
    expect((await call('/api/events', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses an expired session', async () => {
    const { cookie } = await signIn();
    expect((await call('/api/events', { headers: { cookie } })).status).toBe(200);
    await homing.pool.query(`UPDATE studio_sessions SET expires_at = now() - interval '1 second'`);
    expect((await call('/api/events', { headers: { cookie } })).status).toBe(401);
    expect((await call('/api/session', { headers: { cookie } })).status).toBe(401);
  });

  it('survives an API restart: sessions live in Postgres', async () => {
    const { cookie } = await signIn();
    const second = await startOwnApi(homing);
    try {
      expect((await fetch(`${second.url}/api/events`, { headers: { cookie } })).status).toBe(200);
    } finally {
      second.close();
    }
  });
});

it('Bearer still works on every kind of route, with no CSRF token', async () => {
  expect((await homing.admin('/api/events')).status).toBe(200);
  expect((await homing.admin('/api/profiles/bearer-user', { method: 'PUT', body: { traits: { a: 1 } } })).status).toBe(200);
  expect((await homing.admin('/api/profiles/bearer-user', { method: 'DELETE' })).status).toBe(200);
  expect((await call('/api/events', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
});
