import zlib from 'node:zlib';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { HttpError } from './errors';

export const MAX_BODY_BYTES = 500 * 1024;

function decoded(req: Request): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding === 'gzip') return req.pipe(zlib.createGunzip());
  if (encoding === 'deflate') return req.pipe(zlib.createInflate());
  throw new HttpError(400, `unsupported Content-Encoding "${encoding}"; use gzip, deflate or none`);
}

/**
 * Reads the raw body (needed as bytes for X-Signature), whatever the content
 * type. Over the limit the rest is drained before answering, so the client
 * reads a 400 instead of a reset connection.
 */
export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of decoded(req)) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `unreadable request body: ${(err as Error).message}`);
  }
  if (size > limit) throw new HttpError(400, `request body is larger than ${limit / 1024} KB`);
  return Buffer.concat(chunks, size);
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new HttpError(400, 'request body is empty; expected JSON');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}
