import crypto from 'node:crypto';
import express from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createSession, deleteSession, findSession } from '../db/sessions';
import { isKnownKey, keyFromAuthorization } from './auth';
import { HttpError } from './errors';
import type { RouteRegistry } from './routes';

/** The Studio's session cookie: a random id, HttpOnly so page scripts never see it. */
export const SESSION_COOKIE = 'homing_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string | undefined, b: string): boolean {
  return a !== undefined && a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Who may call /api: the admin token as Bearer (scripts, as before), or a
 * Studio session cookie. SameSite=Strict already keeps other sites' requests
 * from carrying the cookie; the CSRF header on state changes is the second
 * lock, for browsers or proxies that do not honour SameSite.
 */
export function apiAuthorization(deps: { pool: Pool; adminToken: string }): express.RequestHandler {
  return (req, _res, next) => {
    if (req.headers.authorization !== undefined) {
      const token = keyFromAuthorization(req.headers.authorization);
      return next(isKnownKey(token, [deps.adminToken]) ? undefined : new HttpError(401, 'wrong admin token'));
    }
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return next(new HttpError(401, 'missing admin token: send Authorization: Bearer <HOMING_ADMIN_TOKEN>, or sign in to the Studio'));
    findSession(deps.pool, id).then((session) => {
      if (!session) return next(new HttpError(401, 'signed out or session expired: sign in again'));
      if (!SAFE_METHODS.has(req.method) && !sameToken(req.get(CSRF_HEADER), session.csrfToken)) return next(new HttpError(403, 'missing or wrong CSRF token'));
      next();
    }, next);
  };
}

const signIn = z.object({ token: z.string().optional().describe('HOMING_ADMIN_TOKEN') });
const csrf = z.object({ csrfToken: z.string().describe(`send it as header ${CSRF_HEADER} with every state change`) });

/** Studio sign-in and sign-out: POST, GET and DELETE /api/session. Mounted before the /api authorization. */
export function sessionRouter(deps: { pool: Pool; adminToken: string; publicUrl?: string; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;
  const cookie = { httpOnly: true, sameSite: 'strict', path: '/', secure: deps.publicUrl?.startsWith('https:') ?? false } as const;
  router.use('/api/session', express.json({ limit: '1kb', type: () => true }));

  routes.add(
    router,
    { method: 'post', path: '/api/session', tag: 'session', summary: 'Studio sign-in: exchanges the admin token for a session cookie (12 h) and its CSRF token', security: [], body: signIn, response: csrf },
    async ({ body, res }) => {
      if (!isKnownKey(body.token, [deps.adminToken])) throw new HttpError(401, 'wrong admin token');
      const session = await createSession(pool);
      res.cookie(SESSION_COOKIE, session.id, { ...cookie, expires: session.expiresAt });
      return { csrfToken: session.csrfToken };
    },
  );
  routes.add(
    router,
    { method: 'get', path: '/api/session', tag: 'session', summary: "The signed-in session's CSRF token (after a page reload)", security: ['studioSession'], response: csrf.extend({ signedIn: z.literal(true) }) },
    async ({ req }) => {
      const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const session = id === undefined ? undefined : await findSession(pool, id);
      if (!session) throw new HttpError(401, 'not signed in');
      return { signedIn: true as const, csrfToken: session.csrfToken };
    },
  );
  routes.add(
    router,
    { method: 'delete', path: '/api/session', tag: 'session', summary: 'Studio sign-out: deletes the session and clears the cookie (also when already signed out)', security: ['studioSession'], response: z.object({ signedOut: z.literal(true) }) },
    async ({ req, res }) => {
      const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const session = id === undefined ? undefined : await findSession(pool, id);
      if (session && !sameToken(req.get(CSRF_HEADER), session.csrfToken)) throw new HttpError(403, 'missing or wrong CSRF token');
      if (id !== undefined) await deleteSession(pool, id);
      res.clearCookie(SESSION_COOKIE, cookie);
      return { signedOut: true as const };
    },
  );
  return router;
}
