import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { jsonProblem, pgText } from '../db/pg-bounds';
import { HttpError } from './errors';
import { MAX_ID_CHARS } from '../segment/schemas';

/** Who may call a route: the alternatives of its `security` requirement, by scheme name. */
export const SECURITY_SCHEMES = {
  adminToken: { type: 'http', scheme: 'bearer', description: 'HOMING_ADMIN_TOKEN' },
  studioSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'homing_session',
    description: 'the Studio session from POST /api/session; a POST, PUT or DELETE with it also needs header x-csrf-token',
  },
  apiKeyBasic: { type: 'http', scheme: 'basic', description: 'a HOMING_API_KEY as the user name, empty password (what Segment sends)' },
  apiKeyBearer: { type: 'http', scheme: 'bearer', description: 'a HOMING_API_KEY' },
  segmentSignature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: 'hex HMAC-SHA1 of the body keyed with a HOMING_API_KEY (Segment Webhooks)' },
  twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: 'Twilio request signature with TWILIO_AUTH_TOKEN over PUBLIC_URL + path and the form' },
  sendgridSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Email-Event-Webhook-Signature',
    description: 'SendGrid Signed Event Webhook (ECDSA over X-Twilio-Email-Event-Webhook-Timestamp + body), checked with SENDGRID_WEBHOOK_PUBLIC_KEY',
  },
} as const;
export type SecurityScheme = keyof typeof SECURITY_SCHEMES;

/** Response bodies by media type: a zod schema for JSON, else whether the body is binary or text. */
type Content = Record<string, z.ZodType | 'binary' | 'text'>;

/** A documented operation, whoever handles it. */
export interface DocumentedRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express form, e.g. `/api/profiles/:userId`. */
  path: string;
  summary: string;
  tag: string;
  /** Any one of these schemes authorises the call; none means public. */
  security: SecurityScheme[];
  /** Path parameters' schemas; a storable non-empty string when absent. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodType;
  body?: { contentType: string; schema: z.ZodType };
  responses: Record<number, { description: string; content?: Content }>;
}

/** One management route: admin token, JSON in and out. */
export interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** Who may call it; the admin token or a Studio session when absent. */
  security?: SecurityScheme[];
  query?: Q;
  body?: B;
  response: z.ZodType;
  /** The success status; 200 when absent. */
  status?: number;
  /** Status codes besides success, 400, 401 and 503 that the route answers, with what they mean. */
  errors?: Record<number, string>;
}

export interface RouteInput<Q extends z.ZodType, B extends z.ZodType> {
  params: Record<string, string>;
  query: z.output<Q>;
  body: z.output<B>;
  req: Request;
  res: Response;
}

const errorBody = z.object({ error: z.string(), details: z.unknown().optional() });
const json = (schema: z.ZodType): Content => ({ 'application/json': schema });
/** Error responses: the JSON `{"error": ...}` every route answers them with. */
export const errorResponses = (errors: Record<number, string>) =>
  Object.fromEntries(Object.entries(errors).map(([code, description]) => [code, { description, content: json(errorBody) }]));

const pathParamNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
/**
 * A path parameter unless the route says otherwise: ids are looked up in
 * Postgres as index keys, so text it can store, no longer than ingest allows
 * (past that an index row is too large).
 */
const storableParam = pgText().min(1).max(MAX_ID_CHARS);

/**
 * Every route's declaration: the same zod schemas validate the request and
 * produce the OpenAPI document, so the two cannot drift apart.
 */
export class RouteRegistry {
  readonly routes: DocumentedRoute[] = [];

  /** Documents a route whose handler is registered elsewhere (ingest, health, tracking, webhooks). */
  document(route: DocumentedRoute): void {
    this.routes.push(route);
  }

  /**
   * Registers a management route: its path parameters, query and body are
   * validated (400 naming each problem, including text and nesting Postgres
   * cannot store); its return value is the JSON body.
   */
  add<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
    router: Router,
    spec: RouteSpec<Q, B>,
    handler: (input: RouteInput<Q, B>) => Promise<unknown>,
  ): void {
    const status = spec.status ?? 200;
    const security = spec.security ?? ['adminToken', 'studioSession'];
    const csrf: Record<number, string> = security.includes('studioSession') && spec.method !== 'get' ? { 403: 'missing or wrong CSRF token (with the session cookie)' } : {};
    const params = z.object(Object.fromEntries(pathParamNames(spec.path).map((name) => [name, storableParam])));
    this.document({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tag: spec.tag,
      security,
      query: spec.query,
      body: spec.body && { contentType: 'application/json', schema: spec.body },
      responses: {
        [status]: { description: 'OK', content: json(spec.response) },
        ...errorResponses({ 400: 'invalid request', 401: 'missing or wrong admin token, or no live session', ...csrf, 503: 'storage unavailable, retry later', ...spec.errors }),
      },
    });
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const problem = jsonProblem(req.query, 'query') ?? (spec.body ? jsonProblem(req.body, 'body') : undefined);
      if (problem) throw new HttpError(400, `invalid request: ${problem}`);
      const input = {
        params: params.parse(req.params),
        query: spec.query ? spec.query.parse(req.query) : undefined,
        body: spec.body ? spec.body.parse(req.body ?? {}) : undefined,
        req,
        res,
      };
      const result = await handler(input as RouteInput<Q, B>);
      if (!res.headersSent) res.status(status).json(result);
    });
  }
}

const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;

function contentSchemas(content: Content) {
  return Object.fromEntries(
    Object.entries(content).map(([type, schema]) => [type, { schema: schema === 'binary' ? { type: 'string', format: 'binary' } : schema === 'text' ? { type: 'string' } : toSchema(schema, 'output') }]),
  );
}

function operation(route: DocumentedRoute) {
  const pathParams = pathParamNames(route.path).map((name) => ({ name, in: 'path', required: true, schema: toSchema(route.params?.[name] ?? storableParam, 'input') }));
  const query = route.query ? (toSchema(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] }) : {};
  const queryParams = Object.entries(query.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: query.required?.includes(name) ?? false, schema }));
  return {
    summary: route.summary,
    tags: [route.tag],
    security: route.security.map((scheme) => ({ [scheme]: [] })),
    parameters: [...pathParams, ...queryParams],
    ...(route.body ? { requestBody: { required: true, content: { [route.body.contentType]: { schema: toSchema(route.body.schema, 'input') } } } } : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([code, r]) => [code, { description: r.description, ...(r.content ? { content: contentSchemas(r.content) } : {}) }]),
    ),
  };
}

// Converting every schema takes ~100 ms; the routes are all declared by the time the document is asked for.
const documents = new WeakMap<RouteRegistry, { routes: number; document: Record<string, unknown> }>();

/** The OpenAPI 3.0 document for every registered and documented route. */
export function openApiDocument(registry: RouteRegistry, info: { title: string; version: string }): Record<string, unknown> {
  const cached = documents.get(registry);
  if (cached?.routes === registry.routes.length) return cached.document;
  const document = buildDocument(registry, info);
  documents.set(registry, { routes: registry.routes.length, document });
  return document;
}

function buildDocument(registry: RouteRegistry, info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of registry.routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  return { openapi: '3.0.3', info, paths, components: { securitySchemes: SECURITY_SCHEMES } };
}
