import zlib from 'node:zlib';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import client from 'prom-client';
import { registry } from '../metrics';
import { HttpError } from './errors';
import { MAX_JSON_DEPTH } from '../db/pg-bounds';

export const MAX_BODY_BYTES = 500 * 1024;
/** A client that has not sent its whole body by then is holding a slot for nothing. */
export const BODY_TIMEOUT_MS = 10_000;
// Deeper JSON is refused before anything walks it: serializing or validating
// thousands of levels overflows the stack. Real Segment events stay far below.
export { MAX_JSON_DEPTH };

/** How much decompression request bodies cost; a gzip bomb shows up here if the limit ever stops holding. */
export const decodedBodyBytes = new client.Counter({
  name: 'homing_http_body_decoded_bytes_total',
  help: 'Bytes produced by inflating gzip or deflate request bodies',
  registers: [registry],
});

function decoder(req: Request): zlib.Gunzip | zlib.Inflate | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return undefined;
  if (encoding === 'gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  throw new HttpError(400, `unsupported Content-Encoding "${encoding}"; use gzip, deflate or none`);
}

/**
 * Reads the raw body (needed as bytes for X-Signature), whatever the content
 * type, within `timeoutMs` in total. Over the limit, inflating stops at once
 * (a small gzip can expand a thousandfold) and the rest of the raw upload is
 * drained before answering, so the client reads a 400 instead of a reset
 * connection. A timeout answers 408 and closes the connection.
 */
export function readBody(req: Request, limit = MAX_BODY_BYTES, timeoutMs = BODY_TIMEOUT_MS): Promise<Buffer> {
  const inflater = decoder(req);
  const source: Readable = inflater ? req.pipe(inflater) : req;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const stopInflating = () => {
      if (!inflater) return;
      req.unpipe(inflater);
      inflater.destroy();
    };
    const finish = (err?: HttpError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const tooLarge = () => finish(new HttpError(400, `request body is larger than ${limit / 1024} KB`));
    const timer = setTimeout(() => {
      stopInflating();
      req.pause();
      finish(new HttpError(408, `request body not received within ${timeoutMs / 1000} s`, undefined, { Connection: 'close' }));
    }, timeoutMs);

    let over = false;
    source.on('data', (chunk: Buffer) => {
      if (over) return;
      if (inflater) decodedBodyBytes.inc(chunk.length);
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      if (inflater) {
        stopInflating();
        if (req.readableEnded) tooLarge();
        else req.on('end', tooLarge).resume();
      }
    });
    source.on('end', () => (over ? tooLarge() : finish()));
    const unreadable = (err: Error) => finish(new HttpError(400, `unreadable request body: ${err.message}`));
    source.on('error', unreadable);
    if (inflater) req.on('error', unreadable);
  });
}

/** The nesting depth of a JSON text, found by scanning it (no recursion, so no stack to overflow). */
function nestingDepth(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new HttpError(400, 'request body is empty; expected JSON');
  const text = raw.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
  if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new HttpError(400, `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}
