import express from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import type { RunControl } from '../automations/runs';
import { recordEngagement } from '../messaging/engagement';
import type { EngagementPolicy } from '../messaging/engagement-classification';
import { verifyToken } from '../messaging/tracking';
import { HttpError } from './errors';
import { errorResponses, type RouteRegistry } from './routes';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * The open pixel, click redirect and hidden honeypot link behind every tracked
 * message: `/t/o/<token>`, `/t/c/<token>`, `/t/h/<token>`. Each answers the
 * same whoever asks (a HEAD too: Express serves it from the GET route); what
 * it counts for depends on the engagement policy.
 */
export function trackingRouter(deps: { pool: Pool; runs: RunControl; trackingSecret: string; routes: RouteRegistry; engagement?: EngagementPolicy }): express.Router {
  const router = express.Router();
  documentTracking(deps.routes);
  const handle = (kind: 'o' | 'c' | 'h'): express.RequestHandler => async (req, res) => {
    const token = verifyToken(deps.trackingSecret, req.params.token as string);
    // A token of the other kind (a pixel token used as a click) is as unknown as a forged one.
    if (!token || token.k !== kind) throw new HttpError(404, 'unknown tracking link');
    const request = { userAgent: req.get('user-agent') ?? '', ip: req.ip, method: req.method };
    const result = await recordEngagement(deps.pool, deps.runs, token, request, deps.engagement);
    if (!result.found) throw new HttpError(404, 'unknown tracking link');
    res.set('cache-control', 'no-store, max-age=0');
    if (kind === 'c') res.redirect(302, result.redirectTo!);
    else if (kind === 'o') res.type('image/gif').send(PIXEL);
    else res.status(204).end();
  };
  router.get('/t/o/:token', handle('o'));
  router.get('/t/c/:token', handle('c'));
  router.get('/t/h/:token', handle('h'));
  return router;
}

function documentTracking(routes: RouteRegistry): void {
  const unknown = errorResponses({ 400: 'a token that is not percent-encoded UTF-8', 404: 'unknown, forged or wrong-kind tracking link', 503: 'storage unavailable' });
  const token = { token: z.string().describe('signed by Homing into each message') };
  routes.document({
    method: 'get',
    path: '/t/o/:token',
    tag: 'tracking',
    summary: "The open pixel of a tracked email: records an open (a machine's, e.g. Apple Mail Privacy Protection's, on the timeline only), answers a 1×1 GIF",
    security: [],
    params: token,
    responses: { 200: { description: 'a transparent 1×1 GIF', content: { 'image/gif': 'binary' } }, ...unknown },
  });
  routes.document({
    method: 'get',
    path: '/t/c/:token',
    tag: 'tracking',
    summary: "A tracked link: records a click (a scanner's on the timeline only), redirects to the original URL",
    security: [],
    params: token,
    responses: { 302: { description: 'to the original URL (Location)' }, ...unknown },
  });
  routes.document({
    method: 'get',
    path: '/t/h/:token',
    tag: 'tracking',
    summary: "A tracked email's hidden honeypot link: only machines follow it; records a machine click",
    security: [],
    params: token,
    responses: { 204: { description: 'recorded' }, ...unknown },
  });
}
