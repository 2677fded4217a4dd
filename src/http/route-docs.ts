import { z } from 'zod';
import { EVENT_STATUSES } from './api-schemas';
import { errorResponses, type RouteRegistry } from './routes';
import { V1_PATHS } from './segment-router';

/**
 * The OpenAPI description of the routes whose routers do not declare
 * themselves: ingest (segment-router.ts) and health (health-router.ts). The
 * OpenAPI fuzz test checks these against what the handlers answer.
 */

/** Segment's Spec, loosely: the ingest routes accept any event and log a bad one as `invalid` with the reason. */
const segmentEvent = z
  .looseObject({
    type: z.enum(['identify', 'track', 'page', 'screen', 'group', 'alias']),
    messageId: z.string().optional().describe('the deduplication key; generated when absent'),
    userId: z.string().optional(),
    anonymousId: z.string().optional(),
    event: z.string().optional().describe('track: the event name'),
    name: z.string().optional().describe('page, screen: the name'),
    groupId: z.string().optional().describe('group'),
    previousId: z.string().optional().describe('alias'),
    traits: z.record(z.string(), z.unknown()).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    timestamp: z.string().optional(),
  })
  .describe('a Segment Spec event; JSON nested deeper than 64 levels is refused');

const batch = z.looseObject({
  batch: z.array(segmentEvent),
  context: z.record(z.string(), z.unknown()).optional().describe("merged into each item's context"),
  integrations: z.record(z.string(), z.unknown()).optional(),
  sentAt: z.string().optional(),
});

/** `/v1/<kind>` → the Tracking API call it is (short forms as Segment's libraries send them). */
const V1_KINDS = Object.keys(V1_PATHS) as [string, ...string[]];

const ingestErrors = {
  400: 'malformed JSON, an empty body or batch, a body over 500 KB, an event over 32 KB, an unsupported Content-Encoding',
  401: 'missing or wrong API key (or X-Signature)',
  408: 'the body did not arrive in time',
  429: 'too many requests in flight; retry after Retry-After',
  503: 'storage unavailable; retry after Retry-After',
};

const json = (schema: z.ZodType) => ({ 'application/json': schema });

export function documentIngestRoutes(routes: RouteRegistry): void {
  routes.document({
    method: 'post',
    path: '/segment',
    tag: 'ingest',
    summary: 'Segment destination endpoint: one event, an array of events, or a batch (gzip or deflate bodies accepted)',
    security: ['apiKeyBasic', 'apiKeyBearer', 'segmentSignature'],
    body: { contentType: 'application/json', schema: z.union([segmentEvent, z.array(segmentEvent), batch]) },
    responses: {
      200: {
        description: 'every event logged once, with its status (invalid ones with the reason)',
        content: json(z.object({ ok: z.literal(true), results: z.array(z.object({ messageId: z.string(), status: z.enum(EVENT_STATUSES), error: z.string().optional() })) })),
      },
      ...errorResponses(ingestErrors),
    },
  });
  routes.document({
    method: 'post',
    path: '/v1/:kind',
    tag: 'ingest',
    summary: "Segment's HTTP Tracking API (any content type; the write key may also be the body's writeKey)",
    security: ['apiKeyBasic', 'apiKeyBearer'],
    params: { kind: z.enum(V1_KINDS) },
    body: { contentType: 'application/json', schema: z.union([segmentEvent.extend({ type: segmentEvent.shape.type.optional(), writeKey: z.string().optional() }), batch.extend({ writeKey: z.string().optional() })]) },
    responses: {
      200: { description: 'logged', content: json(z.object({ success: z.literal(true) })) },
      ...errorResponses({ ...ingestErrors, 404: 'unknown Tracking API call' }),
    },
  });
}

const check = z.object({ ok: z.boolean(), error: z.string().optional() });
const readiness = z.object({ ok: z.boolean(), postgres: check, temporal: check });

export function documentHealthRoutes(routes: RouteRegistry): void {
  const get = (path: string, summary: string, responses: Parameters<RouteRegistry['document']>[0]['responses']) =>
    routes.document({ method: 'get', path, tag: 'health', summary, security: [], responses });
  get('/healthz', 'Liveness: the process answers', { 200: { description: 'alive', content: json(z.object({ ok: z.literal(true) })) } });
  get('/readyz', 'Readiness: Postgres and Temporal answer', {
    200: { description: 'ready', content: json(readiness) },
    503: { description: 'Postgres or Temporal is unreachable; each check says why', content: json(readiness) },
  });
  get('/metrics', 'Prometheus metrics', { 200: { description: 'Prometheus text format', content: { 'text/plain': 'text' } } });
  get('/openapi.json', 'This document', { 200: { description: 'OpenAPI 3.0', content: json(z.record(z.string(), z.unknown())) } });
}
