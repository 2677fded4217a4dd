import crypto from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** A message resource as Twilio's Messages API returns it (the fields Homing may read, and then some). */
export interface TwilioMessageResource {
  sid: string;
  account_sid: string;
  api_version: '2010-04-01';
  to: string;
  from: string;
  body: string;
  status: 'queued';
  direction: 'outbound-api';
  num_segments: string;
  num_media: '0';
  error_code: null;
  error_message: null;
  price: null;
  price_unit: 'USD';
  date_created: string;
  date_updated: string;
  date_sent: null;
  messaging_service_sid: null;
  uri: string;
  subresource_uris: { media: string };
}

export interface TwilioSinkMessage {
  resource: TwilioMessageResource;
  /** The form fields as posted (To, From, Body, StatusCallback, …). */
  form: Record<string, string>;
  idempotencyToken?: string;
}

export interface TwilioSinkRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  form: Record<string, string>;
  /** The status the sink answered. */
  status: number;
}

export interface TwilioError {
  code: number;
  message: string;
}

export interface TwilioSink {
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages created, once per idempotency token. */
  messages: TwilioSinkMessage[];
  /** Every request, including failed and repeated ones. */
  requests: TwilioSinkRequest[];
  /** Answers the next `times` authenticated sends with this status and a Twilio error body. */
  failNext(status: number, times?: number, error?: Partial<TwilioError>): void;
  close(): Promise<void>;
}

const DEFAULT_ERRORS: Record<number, TwilioError> = {
  400: { code: 21211, message: "The 'To' number is not a valid phone number." },
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
};

/**
 * A local stand-in for api.twilio.com speaking the Messages wire format:
 * Basic auth with the account sid and auth token, form-encoded POST, 201 with
 * a message resource, Twilio error bodies; a repeated idempotency token gets
 * the first answer again and sends nothing.
 */
export async function startTwilioSink(
  opts: { accountSid?: string; authToken?: string } = {},
): Promise<TwilioSink> {
  const accountSid = opts.accountSid ?? `AC${crypto.randomBytes(16).toString('hex')}`;
  const authToken = opts.authToken ?? crypto.randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messages: TwilioSinkMessage[] = [];
  const requests: TwilioSinkRequest[] = [];
  const failures: Array<{ status: number; error: TwilioError }> = [];
  const byToken = new Map<string, TwilioMessageResource>();

  function create(form: Record<string, string>, idempotencyToken: string | undefined): TwilioMessageResource {
    const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;
    const resource: TwilioMessageResource = {
      sid,
      account_sid: accountSid,
      api_version: '2010-04-01',
      to: form.To!,
      from: form.From!,
      body: form.Body!,
      status: 'queued',
      direction: 'outbound-api',
      num_segments: String(Math.max(1, Math.ceil(form.Body!.length / 160))),
      num_media: '0',
      error_code: null,
      error_message: null,
      price: null,
      price_unit: 'USD',
      date_created: now,
      date_updated: now,
      date_sent: null,
      messaging_service_sid: null,
      uri: `${uri}.json`,
      subresource_uris: { media: `${uri}/Media.json` },
    };
    messages.push({ resource, form, idempotencyToken });
    if (idempotencyToken) byToken.set(idempotencyToken, resource);
    return resource;
  }

  /** The answer to one request: status and JSON body. */
  function handle(req: http.IncomingMessage, form: Record<string, string>): [number, unknown] {
    const error = (status: number, e: TwilioError): [number, unknown] => [
      status,
      { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status },
    ];
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !route) return error(404, { code: 20404, message: 'The requested resource was not found' });
    if (req.headers.authorization !== expectedAuth || decodeURIComponent(route[1]!) !== accountSid) {
      return error(401, { code: 20003, message: 'Authenticate' });
    }
    const failure = failures.shift();
    if (failure) return error(failure.status, failure.error);
    if (!form.To) return error(400, { code: 21604, message: "A 'To' phone number is required." });
    if (!form.From) return error(400, { code: 21603, message: "A 'From' phone number is required." });
    if (!form.Body) return error(400, { code: 21602, message: 'Message body is required.' });
    const token = req.headers['i-twilio-idempotency-token'] as string | undefined;
    return [201, (token && byToken.get(token)) || create(form, token)];
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const [status, body] = handle(req, form);
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, form, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    accountSid,
    authToken,
    messages,
    requests,
    failNext(status, times = 1, error = {}) {
      const base = DEFAULT_ERRORS[status] ?? { code: status * 100, message: http.STATUS_CODES[status] ?? 'Error' };
      for (let i = 0; i < times; i++) failures.push({ status, error: { ...base, ...error } });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
