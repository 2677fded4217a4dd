import type { Request, Response, Router } from 'express';
import { z } from 'zod';

/**
 * One declaration per management route: the same zod schemas validate the
 * request and produce the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express form, e.g. `/api/profiles/:userId`. */
  path: string;
  summary: string;
  tag: string;
  query?: Q;
  body?: B;
  response: z.ZodType;
  /** Status codes besides 200 that the route answers, with what they mean. */
  errors?: Record<number, string>;
}

export interface RouteInput<Q extends z.ZodType, B extends z.ZodType> {
  params: Record<string, string>;
  query: z.output<Q>;
  body: z.output<B>;
  req: Request;
  res: Response;
}

export class RouteRegistry {
  readonly specs: Array<RouteSpec<z.ZodType, z.ZodType>> = [];

  /** Registers a JSON route: its input is validated (400 naming each problem), its return value is the body. */
  add<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
    router: Router,
    spec: RouteSpec<Q, B>,
    handler: (input: RouteInput<Q, B>) => Promise<unknown>,
  ): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType>);
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const query = spec.query ? spec.query.parse(req.query) : undefined;
      const body = spec.body ? spec.body.parse(req.body ?? {}) : undefined;
      const result = await handler({ params: req.params as Record<string, string>, query, body, req, res } as RouteInput<Q, B>);
      if (!res.headersSent) res.json(result);
    });
  }
}

const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });

/** The OpenAPI 3.0 document for every registered route. */
export function openApiDocument(registry: RouteRegistry, info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of registry.specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const pathParams = [...spec.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = spec.query
      ? Object.entries((toSchema(spec.query, 'input') as { properties?: Record<string, unknown> }).properties ?? {}).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    const responses: Record<string, unknown> = {
      200: { description: 'OK', content: { 'application/json': { schema: toSchema(spec.response, 'output') } } },
    };
    for (const [code, description] of Object.entries({ 400: 'invalid request', 401: 'missing or wrong admin token', ...spec.errors })) {
      responses[code] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ adminToken: [] }],
      parameters: [...pathParams, ...queryParams],
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(spec.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'HOMING_ADMIN_TOKEN' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' }, details: {} },
        },
      },
    },
  };
}
