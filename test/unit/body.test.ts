import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import express from 'express';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, decodedBodyBytes, parseJson, readBody } from '../../src/http/body';
import { HttpError } from '../../src/http/errors';

let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  const answer = (err: unknown, res: express.Response) => {
    if (err instanceof HttpError) res.status(err.status).set(err.headers).json({ error: err.message, httpError: true });
    else res.status(500).json({ error: String(err), httpError: false });
  };
  app.post('/json', async (req, res) => {
    try {
      const raw = await readBody(req);
      res.json({ bytes: raw.length, value: parseJson(raw) });
    } catch (err) {
      answer(err, res);
    }
  });
  app.post('/raw', async (req, res) => {
    try {
      const raw = await readBody(req);
      res.json({ bytes: raw.length, sha: raw.toString('base64').slice(0, 16) });
    } catch (err) {
      answer(err, res);
    }
  });
  app.post('/small', async (req, res) => {
    try {
      const raw = await readBody(req, 10);
      res.json({ bytes: raw.length, text: raw.toString('utf8') });
    } catch (err) {
      answer(err, res);
    }
  });
  app.post('/stalled', async (req, res) => {
    try {
      const raw = await readBody(req, MAX_BODY_BYTES, 300);
      res.json({ bytes: raw.length });
    } catch (err) {
      answer(err, res);
    }
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

interface Reply {
  status: number;
  body: { error?: string; httpError?: boolean; bytes?: number; value?: unknown; text?: string };
}

async function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** A JSON document of exactly `size` bytes. */
function jsonOfSize(size: number): string {
  const shell = '{"pad":""}';
  const doc = `{"pad":"${'x'.repeat(size - shell.length)}"}`;
  expect(Buffer.byteLength(doc)).toBe(size);
  return doc;
}

describe('readBody over HTTP', () => {
  test('the limit is 500 KB', () => {
    expect(MAX_BODY_BYTES).toBe(500 * 1024);
  });

  test('a small JSON body is read and parsed', async () => {
    const event = { type: 'track', userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' } };
    const reply = await post('/json', JSON.stringify(event));
    expect(reply).toEqual({ status: 200, body: { bytes: JSON.stringify(event).length, value: event } });
  });

  test('multi-byte UTF-8 split across chunks survives', async () => {
    const event = { type: 'identify', userId: 'u1', traits: { name: 'Zoë 日本 🚀'.repeat(5000) } };
    const reply = await post('/json', JSON.stringify(event));
    expect(reply.status).toBe(200);
    expect(reply.body.value).toEqual(event);
  });

  test('a body of exactly the limit is accepted', async () => {
    const doc = jsonOfSize(MAX_BODY_BYTES);
    const reply = await post('/json', doc);
    expect(reply.status).toBe(200);
    expect(reply.body.bytes).toBe(MAX_BODY_BYTES);
    expect((reply.body.value as { pad: string }).pad).toHaveLength(MAX_BODY_BYTES - 10);
  });

  test('one byte over the limit is a 400 that mentions 500 KB', async () => {
    const reply = await post('/json', jsonOfSize(MAX_BODY_BYTES + 1));
    expect(reply.status).toBe(400);
    expect(reply.body.httpError).toBe(true);
    expect(reply.body.error).toContain('500 KB');
  });

  test('a much larger body is answered with a 400, not a reset connection', async () => {
    const reply = await post('/raw', Buffer.alloc(3 * MAX_BODY_BYTES, 0x61));
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('500 KB');
  });

  test('a custom limit applies exactly', async () => {
    expect(await post('/small', '0123456789')).toEqual({ status: 200, body: { bytes: 10, text: '0123456789' } });
    const over = await post('/small', '0123456789A');
    expect(over.status).toBe(400);
    expect(over.body.error).toMatch(/larger than/);
  });

  test('a gzip body is decoded', async () => {
    const event = { type: 'track', userId: 'u1', event: 'Order Completed', properties: { total: 99.5 } };
    const reply = await post('/json', zlib.gzipSync(JSON.stringify(event)), { 'content-encoding': 'gzip' });
    expect(reply).toEqual({ status: 200, body: { bytes: JSON.stringify(event).length, value: event } });
  });

  test('the Content-Encoding value is case-insensitive', async () => {
    const reply = await post('/json', zlib.gzipSync('{"a":1}'), { 'content-encoding': 'GZIP' });
    expect(reply).toEqual({ status: 200, body: { bytes: 7, value: { a: 1 } } });
  });

  test('a deflate body is decoded', async () => {
    const reply = await post('/json', zlib.deflateSync('{"batch":[]}'), { 'content-encoding': 'deflate' });
    expect(reply).toEqual({ status: 200, body: { bytes: 12, value: { batch: [] } } });
  });

  test('an explicit identity encoding is read as is', async () => {
    const reply = await post('/json', '{"a":1}', { 'content-encoding': 'identity' });
    expect(reply).toEqual({ status: 200, body: { bytes: 7, value: { a: 1 } } });
  });

  test('the limit applies to the decoded size: a small gzip that inflates past 500 KB is a 400', async () => {
    const compressed = zlib.gzipSync(jsonOfSize(MAX_BODY_BYTES + 1));
    expect(compressed.length).toBeLessThan(10 * 1024);
    const reply = await post('/json', compressed, { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('500 KB');
  });

  test('a gzip bomb is a 400 and is inflated no further than the limit', async () => {
    // 1,024 gzip members of 1 MiB of zeros each: 1 GiB once inflated, about 1 MB on the wire.
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const before = (await decodedBodyBytes.get()).values[0]?.value ?? 0;
    const reply = await post('/raw', bomb, { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('500 KB');
    const inflated = ((await decodedBodyBytes.get()).values[0]?.value ?? 0) - before;
    expect(inflated).toBeGreaterThan(MAX_BODY_BYTES);
    // at most one inflater chunk past the limit
    expect(inflated).toBeLessThan(MAX_BODY_BYTES + 128 * 1024);
  });

  test('a body that stops arriving is answered 408 after the read timeout, and the connection is closed', async () => {
    const { port } = server.address() as AddressInfo;
    const req = http.request({ host: '127.0.0.1', port, path: '/stalled', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    req.write('{"type":');
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    let text = '';
    for await (const chunk of res) text += chunk;
    expect(res.statusCode).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(text)).toEqual({ error: 'request body not received within 0.3 s', httpError: true });
    req.destroy();
  });

  test('a gzip body that decodes to exactly the limit is accepted', async () => {
    const reply = await post('/json', zlib.gzipSync(jsonOfSize(MAX_BODY_BYTES)), { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(200);
    expect(reply.body.bytes).toBe(MAX_BODY_BYTES);
  });

  test('an unsupported Content-Encoding is a 400 naming it', async () => {
    const reply = await post('/json', '{"a":1}', { 'content-encoding': 'br' });
    expect(reply.status).toBe(400);
    expect(reply.body.httpError).toBe(true);
    expect(reply.body.error).toContain('"br"');
    expect(reply.body.error).toContain('gzip');
  });

  test('a body labelled gzip that is not gzip is a 400, not a 500', async () => {
    const reply = await post('/json', '{"a":1}', { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(400);
    expect(reply.body.httpError).toBe(true);
    expect(reply.body.error).toMatch(/unreadable request body/);
  });

  test('a truncated gzip body is a 400', async () => {
    const gz = zlib.gzipSync(JSON.stringify({ type: 'track', userId: 'u1', event: 'X'.repeat(1000) }));
    const reply = await post('/json', gz.subarray(0, Math.floor(gz.length / 2)), { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(400);
    expect(reply.body.httpError).toBe(true);
  });

  test('an empty body is a 400 saying so', async () => {
    const reply = await post('/json', '');
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('request body is empty; expected JSON');
  });

  test('malformed JSON is a 400 saying so', async () => {
    const reply = await post('/json', '{"type": "track", ');
    expect(reply.status).toBe(400);
    expect(reply.body.httpError).toBe(true);
    expect(reply.body.error).toMatch(/^malformed JSON: /);
  });

  test('the body is read whatever the content type', async () => {
    const reply = await post('/json', '{"a":1}', { 'content-type': 'text/plain' });
    expect(reply).toEqual({ status: 200, body: { bytes: 7, value: { a: 1 } } });
  });
});

describe('parseJson', () => {
  const failure = (raw: Buffer): HttpError => {
    try {
      parseJson(raw);
    } catch (err) {
      if (err instanceof HttpError) return err;
      throw err;
    }
    throw new Error('expected parseJson to throw');
  };

  test('parses objects, arrays and batches', () => {
    expect(parseJson(Buffer.from('{"type":"page","userId":"u1"}'))).toEqual({ type: 'page', userId: 'u1' });
    expect(parseJson(Buffer.from('[{"a":1},{"b":2}]'))).toEqual([{ a: 1 }, { b: 2 }]);
    expect(parseJson(Buffer.from(' \n{"batch":[]}\n '))).toEqual({ batch: [] });
  });

  test('an empty buffer is an HttpError 400 naming the empty body', () => {
    const err = failure(Buffer.alloc(0));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/empty/);
  });

  test(`JSON nested up to ${MAX_JSON_DEPTH} levels parses; deeper is an HttpError 400 naming the limit`, () => {
    const nested = (depth: number) => Buffer.from('{"a":'.repeat(depth - 1) + '[1]' + '}'.repeat(depth - 1));
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(() => parseJson(nested(MAX_JSON_DEPTH))).not.toThrow();
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000, 200_000]) {
      const err = failure(nested(depth));
      expect(err.status).toBe(400);
      expect(err.message).toBe(`JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const err = failure(Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)));
    expect(err.message).toMatch(/nested deeper/);
  });

  test.each([['{'], ['{"a":}'], ["{'a':1}"], ['undefined'], ['{"a":1}}'], ['   ']])('%p is an HttpError 400 "malformed JSON"', (text) => {
    const err = failure(Buffer.from(text));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^malformed JSON: ./);
  });
});
