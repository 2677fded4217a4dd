import crypto from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** A message Slack posted: what `chat.postMessage` was given, and the `ts` it answered. */
export interface SlackSinkMessage {
  token: string;
  channel: string;
  ts: string;
  /** The JSON arguments as posted (channel, text, blocks, unfurl_links, …). */
  body: Record<string, unknown>;
}

export interface SlackSinkRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The HTTP status the sink answered, and Slack's `error` when `ok` was false. */
  status: number;
  error?: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface SlackSink {
  url: string;
  /** The installation's bot token (accepted like any token in `tokens`). */
  botToken: string;
  /** Tokens that authenticate; others get `invalid_auth`. */
  tokens: Set<string>;
  /** Messages posted (one per successful call: Slack has no idempotency key). */
  messages: SlackSinkMessage[];
  /** Every request, including refused ones. */
  requests: SlackSinkRequest[];
  /** Answers the next `times` authenticated calls with HTTP 200 `{ok: false, error}`. */
  failNext(error: string, times?: number): void;
  /** Answers the next `times` calls with HTTP 429 `ratelimited` and `Retry-After: seconds`. */
  rateLimitNext(seconds: number, times?: number): void;
  close(): Promise<void>;
}

type Failure = { status: 200; error: string } | { status: 429; retryAfter: number };

/**
 * A local stand-in for slack.com/api speaking the Web API wire format of
 * `chat.postMessage`: `Authorization: Bearer <token>`, JSON arguments, HTTP
 * 200 with `{ok: true, channel, ts, message}` or `{ok: false, error}`, and HTTP
 * 429 with `Retry-After` when rate limited.
 */
export async function startSlackSink(): Promise<SlackSink> {
  const botToken = `xoxb-${crypto.randomBytes(8).toString('hex')}`;
  const tokens = new Set([botToken]);
  const messages: SlackSinkMessage[] = [];
  const requests: SlackSinkRequest[] = [];
  const failures: Failure[] = [];
  let clock = Math.floor(Date.now() / 1000);
  let seq = 0;

  function handle(req: http.IncomingMessage, body: Record<string, unknown>): { status: number; json: Record<string, unknown>; headers?: Record<string, string> } {
    if (req.method !== 'POST' || req.url !== '/chat.postMessage') return { status: 404, json: { ok: false, error: 'unknown_method' } };
    const failure = failures.shift();
    if (failure?.status === 429) return { status: 429, json: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(failure.retryAfter) } };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return { status: 200, json: { ok: false, error: 'not_authed' } };
    if (!tokens.has(token)) return { status: 200, json: { ok: false, error: 'invalid_auth' } };
    if (failure) return { status: 200, json: { ok: false, error: failure.error } };
    const channel = body.channel;
    if (typeof channel !== 'string' || !channel) return { status: 200, json: { ok: false, error: 'channel_not_found' } };
    if (typeof body.text !== 'string' && body.blocks === undefined) return { status: 200, json: { ok: false, error: 'no_text' } };
    const ts = `${++clock}.${String(++seq).padStart(6, '0')}`;
    messages.push({ token, channel, ts, body });
    // A DM to a user id is answered with the id of the DM conversation, as Slack does.
    const answered = channel.startsWith('U') || channel.startsWith('W') ? `D${channel.slice(1)}` : channel;
    return { status: 200, json: { ok: true, channel: answered, ts, message: { type: 'message', text: body.text ?? '', ts, bot_id: 'B0HOMING' } } };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const answer = handle(req, body);
      const error = answer.json.ok === false ? String(answer.json.error) : undefined;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status: answer.status, error, at });
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers }).end(JSON.stringify(answer.json));
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    botToken,
    tokens,
    messages,
    requests,
    failNext(error, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status: 200, error });
    },
    rateLimitNext(seconds, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status: 429, retryAfter: seconds });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
