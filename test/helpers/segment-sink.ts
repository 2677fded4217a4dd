import http from 'node:http';
import { listenOnLoopback } from './loopback';

export interface SegmentEvent {
  type: string;
  event?: string;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
  timestamp?: string;
}

export interface SegmentSink {
  url: string;
  /** Events of batches answered 200, in arrival order (a resent event appears again). */
  accepted: SegmentEvent[];
  /** Batches answered with an error. */
  refused: number;
  /** Answers every batch with `status` until told otherwise (0 = accept again). */
  failWith(status: number): void;
  close(): Promise<void>;
}

/**
 * A local stand-in for api.segment.io's batch endpoint (`POST /v1/batch`,
 * Basic auth with the write key, `{ batch: [...] }`), recording what it takes.
 */
export async function startSegmentSink(writeKey: string): Promise<SegmentSink> {
  let failing = 0;
  const sink: SegmentSink = {
    url: '',
    accepted: [],
    refused: 0,
    failWith: (status) => (failing = status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST' || req.url !== '/v1/batch') return answer(404, { error: 'not found' });
      if (req.headers.authorization !== `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`) return answer(401, { error: 'bad write key' });
      if (failing) {
        sink.refused++;
        return answer(failing, { error: 'failing on purpose' });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch: SegmentEvent[] };
      sink.accepted.push(...body.batch);
      answer(200, { success: true });
    });
  });
  sink.url = await listenOnLoopback(server);
  return sink;
}
