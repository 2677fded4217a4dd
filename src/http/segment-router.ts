import express, { type Request, type Response } from 'express';
import { UnstorableEventsError, type IngestPipeline } from '../ingest/pipeline';
import { isKnownKey, isValidSignature, keyFromAuthorization } from './auth';
import { MAX_BODY_BYTES, parseJson, readBody } from './body';
import { HttpError } from './errors';
import { InFlightLimit } from './overload';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `/v1/<path>` of Segment's HTTP Tracking API → the event type it implies. */
export const V1_PATHS: Record<string, string> = {
  identify: 'identify', i: 'identify',
  track: 'track', t: 'track',
  page: 'page', p: 'page',
  screen: 'screen', s: 'screen',
  group: 'group', g: 'group',
  alias: 'alias', a: 'alias',
  batch: 'batch', b: 'batch', import: 'batch',
};

// Closing the connection: the body of a refused request may never have been read.
const unauthorized = (why: string) => new HttpError(401, why, undefined, { 'WWW-Authenticate': 'Basic realm="homing"', Connection: 'close' });

/** The write key is a credential, not event data: it is never stored. */
function withoutWriteKey(item: unknown): unknown {
  if (!isObject(item) || !('writeKey' in item)) return item;
  const { writeKey: _omit, ...rest } = item;
  return rest;
}

/** Segment's batch semantics: the batch's `context`, `integrations` and `sentAt` apply to every item. */
function batchItems(body: Json): unknown[] {
  if (!Array.isArray(body.batch)) throw new HttpError(400, 'batch must be an array of events');
  const shared = { context: body.context, integrations: body.integrations };
  return body.batch.map((item: unknown) => {
    if (!isObject(item)) return item;
    const merged: Json = { ...item };
    for (const [key, value] of Object.entries(shared)) {
      if (isObject(value)) merged[key] = { ...value, ...(isObject(item[key]) ? item[key] : {}) };
    }
    if (merged.sentAt === undefined && body.sentAt !== undefined) merged.sentAt = body.sentAt;
    return withoutWriteKey(merged);
  });
}

export interface IngestLimits {
  /** Concurrent authenticated ingest requests before 429. */
  maxInFlight: number;
  /**
   * Concurrent body reads of requests whose key is in the body (X-Signature,
   * `/v1/*` writeKey): a separate, smaller pool, so clients without a key
   * cannot take the slots of those with one.
   */
  maxUnauthenticatedInFlight: number;
  /** Time to receive a whole body before 408. */
  bodyTimeoutMs: number;
}

export function segmentRouter(deps: { apiKeys: string[]; pipeline: IngestPipeline; limits: IngestLimits }): express.Router {
  const router = express.Router();
  const { limits } = deps;
  const authenticated = new InFlightLimit(limits.maxInFlight, 'requests');
  // Closing the connection: a shed unauthenticated body is never read, so the connection cannot be reused.
  const unauthenticated = new InFlightLimit(limits.maxUnauthenticatedInFlight, 'unauthenticated requests', { Connection: 'close' });

  /** A request whose key was checked from its headers: its body is read in the authenticated pool. */
  const readAuthenticated = (req: Request, res: Response): Promise<Buffer> => {
    authenticated.acquire(res);
    return readBody(req, MAX_BODY_BYTES, limits.bodyTimeoutMs);
  };
  /** A request whose key is in its body: read in the small pool; the caller then checks the key and calls `authenticated.acquire`. */
  const readUnauthenticated = async (req: Request, res: Response): Promise<Buffer> => {
    const release = unauthenticated.acquire(res);
    try {
      return await readBody(req, MAX_BODY_BYTES, limits.bodyTimeoutMs);
    } finally {
      release();
    }
  };

  /** Events Postgres refused for their content are the client's fault: 400, which Segment does not retry. */
  const ingest = async (items: unknown[]) => {
    try {
      return await deps.pipeline.ingest(items);
    } catch (err) {
      if (err instanceof UnstorableEventsError) throw new HttpError(400, err.message);
      throw err;
    }
  };

  /** The destination endpoint: Basic or Bearer API key, or a Segment Webhooks X-Signature. */
  router.post('/segment', async (req: Request, res) => {
    const key = keyFromAuthorization(req.headers.authorization);
    const header = req.headers['x-signature'];
    const signature = typeof header === 'string' ? header : undefined;
    if (key === undefined && signature === undefined) throw unauthorized('missing API key: send Authorization: Basic base64(<API key>:) or an X-Signature');
    let raw: Buffer;
    if (isKnownKey(key, deps.apiKeys)) {
      raw = await readAuthenticated(req, res);
    } else {
      if (signature === undefined) throw unauthorized('wrong API key');
      raw = await readUnauthenticated(req, res);
      if (!isValidSignature(raw, signature, deps.apiKeys)) throw unauthorized(key !== undefined ? 'wrong API key' : 'X-Signature does not match the body');
      authenticated.acquire(res);
    }
    const body = parseJson(raw);
    const items = Array.isArray(body) ? body : isObject(body) && 'batch' in body ? batchItems(body) : [body];
    if (items.length === 0) throw new HttpError(400, 'no events in the request body');
    const results = await ingest(items.map(withoutWriteKey));
    res.json({ ok: true, results });
  });

  /** Segment's HTTP Tracking API, so Segment libraries can point `host` at Homing. */
  router.post('/v1/:kind', async (req: Request<{ kind: string }>, res) => {
    const kind = V1_PATHS[req.params.kind];
    if (!kind) throw new HttpError(404, `unknown Tracking API call /v1/${req.params.kind}`);
    const headerKey = keyFromAuthorization(req.headers.authorization);
    if (headerKey !== undefined && !isKnownKey(headerKey, deps.apiKeys)) throw unauthorized('wrong write key');
    const raw = headerKey !== undefined ? await readAuthenticated(req, res) : await readUnauthenticated(req, res);
    const body = parseJson(raw);
    if (!isObject(body)) throw new HttpError(400, 'request body must be a JSON object');
    if (headerKey === undefined) {
      if (typeof body.writeKey !== 'string') throw unauthorized('missing write key: send Authorization: Basic base64(<write key>:) or "writeKey" in the body');
      if (!isKnownKey(body.writeKey, deps.apiKeys)) throw unauthorized('wrong write key');
      authenticated.acquire(res);
    }
    const items = kind === 'batch' ? batchItems(body) : [withoutWriteKey({ ...body, type: kind })];
    await ingest(items);
    res.json({ success: true });
  });

  return router;
}
