import crypto from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** The v3 Mail Send body, in the parts Homing uses. */
export interface SendGridMail {
  personalizations: Array<{ to: Array<{ email: string; name?: string }>; custom_args?: Record<string, string> }>;
  from: { email: string; name?: string };
  subject: string;
  content: Array<{ type: string; value: string }>;
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
  tracking_settings?: Record<string, unknown>;
}

export interface SendGridSinkMessage {
  body: SendGridMail;
  /** What the sink answered in `X-Message-Id`. */
  xMessageId: string;
}

export interface SendGridError {
  message: string;
  field: string | null;
  help: string | null;
}

export interface SendGridSink {
  url: string;
  apiKey: string;
  /** Messages accepted (202). */
  messages: SendGridSinkMessage[];
  /** Every request's status, including refused ones. */
  statuses: number[];
  /** Answers the next `times` authenticated sends with this status and a SendGrid error body. */
  failNext(status: number, times?: number, error?: Partial<SendGridError>): void;
  /** The Signed Event Webhook's verification key, as SendGrid's settings page shows it (base64 DER). */
  webhookPublicKey: string;
  /** An Event Webhook event about an accepted message, as SendGrid posts it (custom args at the top level). */
  event(message: SendGridSinkMessage, event: string, fields?: Record<string, unknown>): Record<string, unknown>;
  /** The headers SendGrid sends with an Event Webhook post of `body`, signed with its private key. */
  webhookHeaders(body: string, timestamp?: string): Record<string, string>;
  close(): Promise<void>;
}

const error = (message: string, field: string | null = null): SendGridError => ({ message, field, help: null });

/** SendGrid's checks on a Mail Send body, with its wording (a subset: what a wrong Homing request would trip). */
function problems(body: Partial<SendGridMail>): SendGridError[] {
  const found: SendGridError[] = [];
  const personalizations = Array.isArray(body.personalizations) ? body.personalizations : [];
  if (personalizations.length === 0) found.push(error('The personalizations field is required and must have at least one personalization.', 'personalizations'));
  personalizations.forEach((p, i) => {
    if (!Array.isArray(p.to) || p.to.length === 0 || p.to.some((t) => !t.email)) {
      found.push(error('The to array is required for all personalization objects, and must have at least one email object with a valid email address.', `personalizations.${i}.to`));
    }
  });
  if (!body.from?.email) found.push(error('The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', 'from.email'));
  if (!body.subject) found.push(error('The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', 'subject'));
  if (!Array.isArray(body.content) || body.content.length === 0 || body.content.some((c) => !c.value)) {
    found.push(error('Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.', 'content'));
  }
  return found;
}

/**
 * A local stand-in for api.sendgrid.com's Mail Send (`POST /v3/mail/send`,
 * Bearer API key, JSON, 202 with `X-Message-Id`, `{errors: [...]}` bodies),
 * and for SendGrid as the signer of its Event Webhook posts.
 */
export async function startSendGridSink(opts: { apiKey?: string } = {}): Promise<SendGridSink> {
  const apiKey = opts.apiKey ?? `SG.${crypto.randomBytes(16).toString('base64url')}`;
  const keys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const messages: SendGridSinkMessage[] = [];
  const statuses: number[] = [];
  const failures: Array<{ status: number; error: SendGridError }> = [];

  function handle(req: http.IncomingMessage, raw: string): { status: number; body?: unknown; xMessageId?: string } {
    if (req.method !== 'POST' || req.url !== '/v3/mail/send') return { status: 404, body: { errors: [error('Not Found')] } };
    if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: { errors: [error('The provided authorization grant is invalid, expired, or revoked')] } };
    const failure = failures.shift();
    if (failure) return { status: failure.status, body: { errors: [failure.error] } };
    let body: Partial<SendGridMail>;
    try {
      body = JSON.parse(raw) as Partial<SendGridMail>;
    } catch {
      return { status: 400, body: { errors: [error('Bad Request')] } };
    }
    const found = problems(body);
    if (found.length > 0) return { status: 400, body: { errors: found } };
    const xMessageId = crypto.randomBytes(16).toString('base64url').slice(0, 22);
    messages.push({ body: body as SendGridMail, xMessageId });
    return { status: 202, xMessageId };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handle(req, Buffer.concat(chunks).toString('utf8'));
      statuses.push(answer.status);
      if (answer.xMessageId) res.writeHead(202, { 'x-message-id': answer.xMessageId }).end();
      else res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    apiKey,
    messages,
    statuses,
    failNext(status, times = 1, e = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, error: { ...error(http.STATUS_CODES[status] ?? 'Error'), ...e } });
    },
    webhookPublicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    event(message, event, fields = {}) {
      const personalization = message.body.personalizations[0]!;
      return {
        email: personalization.to[0]!.email,
        timestamp: Math.floor(Date.now() / 1000),
        'smtp-id': message.body.headers?.['Message-ID'] ?? `<${message.xMessageId}@ismtpd-555>`,
        event,
        sg_event_id: crypto.randomBytes(16).toString('base64url'),
        sg_message_id: `${message.xMessageId}.recvd-5f54b5d587-pczjm-1-67BADEEA-6.0`,
        ...message.body.custom_args,
        ...personalization.custom_args,
        ...fields,
      };
    },
    webhookHeaders(body, timestamp = String(Math.floor(Date.now() / 1000))) {
      const signature = crypto.sign('sha256', Buffer.from(timestamp + body, 'utf8'), keys.privateKey).toString('base64');
      return {
        'content-type': 'application/json',
        'user-agent': 'SendGrid Event API',
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
