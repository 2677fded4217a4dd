import express from 'express';
import type { Pool } from 'pg';
import { countEvents, listEvents } from '../db/events';
import { funnel, overview } from '../db/stats';
import { eventJson } from './admin-router';
import type { RouteRegistry } from './routes';
import * as s from './stats-schemas';

/** The Studio's read models: where Segment connects and what it has sent, and counts over a period. */
export function statsRouter(deps: { pool: Pool; routes: RouteRegistry; apiKeys: string[]; publicUrl?: string }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;

  routes.add(router, { method: 'get', path: '/api/segment/connection', tag: 'studio', summary: 'What Segment needs to connect, and the newest event received', response: s.segmentConnection }, async ({ req }) => {
    const endpoint = deps.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    const [eventCount, [last]] = await Promise.all([countEvents(pool, s.EVENT_COUNT_CAP), listEvents(pool, { limit: 1 })]);
    return { endpoint, batchUrl: `${endpoint}/v1/batch`, apiKey: deps.apiKeys[0]!, eventCount, lastEvent: last ? eventJson(last) : null };
  });
  routes.add(router, { method: 'get', path: '/api/stats/overview', tag: 'studio', summary: 'Events received and runs started over a period', query: s.periodQuery, response: s.overview }, ({ query }) =>
    overview(pool, query),
  );
  routes.add(router, { method: 'get', path: '/api/stats/funnel', tag: 'studio', summary: 'The outcome funnel (sent → delivered → opened → clicked, and undeliverable) of the messages created in a period', query: s.periodQuery, response: s.funnel }, async ({ query }) => ({
    rows: await funnel(pool, query),
  }));
  return router;
}
