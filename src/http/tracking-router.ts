import express from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import type { RunControl } from '../automations/runs';
import { recordEngagement } from '../messaging/engagement';
import { verifyToken } from '../messaging/tracking';
import { HttpError } from './errors';
import { errorResponses, type RouteRegistry } from './routes';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The open pixel and click redirect behind every tracked message: `/t/o/<token>`, `/t/c/<token>`. */
export function trackingRouter(deps: { pool: Pool; runs: RunControl; trackingSecret: string; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  documentTracking(deps.routes);
  const handle = (kind: 'o' | 'c'): express.RequestHandler => async (req, res) => {
    const token = verifyToken(deps.trackingSecret, req.params.token as string);
    // A token of the other kind (a pixel token used as a click) is as unknown as a forged one.
    if (!token || token.k !== kind) throw new HttpError(404, 'unknown tracking link');
    const meta = { userAgent: req.get('user-agent') ?? null, ip: req.ip ?? null };
    const result = await recordEngagement(deps.pool, deps.runs, token, meta);
    if (!result.found) throw new HttpError(404, 'unknown tracking link');
    res.set('cache-control', 'no-store, max-age=0');
    if (result.redirectTo) res.redirect(302, result.redirectTo);
    else res.type('image/gif').send(PIXEL);
  };
  router.get('/t/o/:token', handle('o'));
  router.get('/t/c/:token', handle('c'));
  return router;
}

function documentTracking(routes: RouteRegistry): void {
  const unknown = errorResponses({ 400: 'a token that is not percent-encoded UTF-8', 404: 'unknown, forged or wrong-kind tracking link', 503: 'storage unavailable' });
  const token = { token: z.string().describe('signed by Homing into each message') };
  routes.document({
    method: 'get',
    path: '/t/o/:token',
    tag: 'tracking',
    summary: 'The open pixel of a tracked email: records an open, answers a 1×1 GIF',
    security: [],
    params: token,
    responses: { 200: { description: 'a transparent 1×1 GIF', content: { 'image/gif': 'binary' } }, ...unknown },
  });
  routes.document({
    method: 'get',
    path: '/t/c/:token',
    tag: 'tracking',
    summary: 'A tracked link: records a click, redirects to the original URL',
    security: [],
    params: token,
    responses: { 302: { description: 'to the original URL (Location)' }, ...unknown },
  });
}
