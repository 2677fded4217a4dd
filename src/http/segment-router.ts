import express, { type Request } from 'express';
import type { IngestPipeline } from '../ingest/pipeline';
import { isKnownKey, isValidSignature, keyFromAuthorization } from './auth';
import { parseJson, readBody } from './body';
import { HttpError } from './errors';
import { overloadGuard } from './overload';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `/v1/<path>` of Segment's HTTP Tracking API → the event type it implies. */
const V1_PATHS: Record<string, string> = {
  identify: 'identify', i: 'identify',
  track: 'track', t: 'track',
  page: 'page', p: 'page',
  screen: 'screen', s: 'screen',
  group: 'group', g: 'group',
  alias: 'alias', a: 'alias',
  batch: 'batch', b: 'batch', import: 'batch',
};

const unauthorized = (why: string) => new HttpError(401, why, undefined, { 'WWW-Authenticate': 'Basic realm="homing"' });

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

export function segmentRouter(deps: { apiKeys: string[]; pipeline: IngestPipeline; maxInFlight: number }): express.Router {
  const router = express.Router();
  const guard = overloadGuard(deps.maxInFlight);

  /** The destination endpoint: Basic or Bearer API key, or a Segment Webhooks X-Signature. */
  router.post('/segment', guard, async (req: Request, res) => {
    const raw = await readBody(req);
    const key = keyFromAuthorization(req.headers.authorization);
    const signature = req.headers['x-signature'];
    if (key === undefined && signature === undefined) throw unauthorized('missing API key: send Authorization: Basic base64(<API key>:) or an X-Signature');
    const ok = isKnownKey(key, deps.apiKeys) || isValidSignature(raw, typeof signature === 'string' ? signature : undefined, deps.apiKeys);
    if (!ok) throw unauthorized(key !== undefined ? 'wrong API key' : 'X-Signature does not match the body');
    const body = parseJson(raw);
    const items = Array.isArray(body) ? body : isObject(body) && 'batch' in body ? batchItems(body) : [body];
    if (items.length === 0) throw new HttpError(400, 'no events in the request body');
    const results = await deps.pipeline.ingest(items.map(withoutWriteKey));
    res.json({ ok: true, results });
  });

  /** Segment's HTTP Tracking API, so Segment libraries can point `host` at Homing. */
  router.post('/v1/:kind', guard, async (req: Request<{ kind: string }>, res) => {
    const kind = V1_PATHS[req.params.kind];
    if (!kind) throw new HttpError(404, `unknown Tracking API call /v1/${req.params.kind}`);
    const raw = await readBody(req);
    const body = parseJson(raw);
    if (!isObject(body)) throw new HttpError(400, 'request body must be a JSON object');
    const key = keyFromAuthorization(req.headers.authorization) ?? (typeof body.writeKey === 'string' ? body.writeKey : undefined);
    if (key === undefined) throw unauthorized('missing write key: send Authorization: Basic base64(<write key>:) or "writeKey" in the body');
    if (!isKnownKey(key, deps.apiKeys)) throw unauthorized('wrong write key');
    const items = kind === 'batch' ? batchItems(body) : [withoutWriteKey({ ...body, type: kind })];
    await deps.pipeline.ingest(items);
    res.json({ success: true });
  });

  return router;
}
