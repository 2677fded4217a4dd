import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface SinkMessage {
  envelope: { from: string; to: string[] };
  /** The user the client authenticated as, if it did. */
  user?: string;
  /** Top-level headers: lower-case names, unfolded, first occurrence; encoded words left as sent. */
  headers: Record<string, string>;
  messageId?: string;
  /** Decoded from MIME encoded words. */
  subject?: string;
  to?: string;
  /** The first text/html and text/plain parts, transfer encoding undone. */
  html?: string;
  text?: string;
  raw: string;
}

export interface Hold {
  /** Resolves once `count` held messages have arrived and wait for their DATA answer. */
  waiting(count?: number): Promise<void>;
  /** Answers the held messages now (those whose client is still there), and lets later ones through. */
  release(): void;
}

export interface SmtpSink {
  url: string;
  /** Messages answered with 250, in order. */
  messages: SinkMessage[];
  /** Held messages whose client left before the answer: never answered, so never accepted. */
  unanswered: SinkMessage[];
  /** Holds the DATA answer of the next `n` messages until `release()`. */
  holdNext(n?: number): Hold;
  /** Answers the DATA of the next `times` messages with `code` (e.g. 451, 550) instead of accepting them. */
  failWith(code: number, times?: number, message?: string): void;
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(raw);
  const head = end ? raw.slice(0, end.index) : raw;
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return { headers, body: end ? raw.slice(end.index + end[0].length) : '' };
}

const qpBytes = (s: string) => Buffer.from(s.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');

function decodeBody(body: string, encoding = ''): string {
  if (/^base64$/i.test(encoding)) return Buffer.from(body, 'base64').toString('utf8');
  if (/^quoted-printable$/i.test(encoding)) return qpBytes(body.replace(/=\r?\n/g, '')).toString('utf8');
  return body;
}

/** RFC 2047 encoded words, as nodemailer writes them for non-ASCII subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([BQ])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
      (kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qpBytes(text.replaceAll('_', ' '))).toString('utf8'),
    );
}

function collectParts(raw: string, into: { html?: string; text?: string }): void {
  const { headers, body } = splitHeaders(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      // The line break before a delimiter belongs to the delimiter (RFC 2046).
      collectParts(part.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), into);
    }
  } else if (/^text\/html/i.test(type)) into.html ??= decodeBody(body, headers['content-transfer-encoding']);
  else if (/^text\/plain/i.test(type)) into.text ??= decodeBody(body, headers['content-transfer-encoding']);
}

function parseMessage(raw: string, session: SMTPServerSession): SinkMessage {
  const { headers } = splitHeaders(raw);
  const parts: { html?: string; text?: string } = {};
  collectParts(raw, parts);
  const { mailFrom, rcptTo } = session.envelope;
  return {
    envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
    user: session.user as string | undefined,
    headers,
    messageId: headers['message-id'],
    subject: headers.subject === undefined ? undefined : decodeWords(headers.subject),
    to: headers.to,
    ...parts,
    raw,
  };
}

/**
 * A real SMTP server on 127.0.0.1 that keeps what it accepts, with knobs to
 * answer failures or to hold the DATA answer (a client killed meanwhile never
 * learns that its message was accepted).
 */
export async function startSmtpSink(opts: { port?: number } = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const unanswered: SinkMessage[] = [];
  const failures: Array<{ code: number; message: string }> = [];
  const events = new EventEmitter();
  let hold: { remaining: number; waiting: number; gate: Promise<void>; open(): void } | undefined;

  /** True once the hold is released, false if the client leaves first. */
  function released(gate: Promise<void>, sessionId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (answer: boolean) => {
        events.off('closed', onClosed);
        resolve(answer);
      };
      const onClosed = (id: string) => id === sessionId && finish(false);
      events.on('closed', onClosed);
      void gate.then(() => finish(true));
    });
  }

  async function answer(raw: string, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
    const failure = failures.shift();
    if (failure) {
      callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
      return;
    }
    const message = parseMessage(raw, session);
    if (hold && hold.remaining > 0) {
      hold.remaining--;
      hold.waiting++;
      events.emit('held');
      if (!(await released(hold.gate, session.id))) {
        unanswered.push(message);
        return;
      }
    }
    callback(null, `OK: queued as ${messages.length + 1}`);
    messages.push(message);
    events.emit('message', message);
  }

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => void answer(Buffer.concat(chunks).toString('utf8'), session, callback));
    },
    onClose: (session) => events.emit('closed', session.id),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client vanishing mid-session is expected in these tests
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    unanswered,
    holdNext(n = 1) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const current = { remaining: n, waiting: 0, gate, open };
      hold = current;
      return {
        waiting: (count = 1) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (current.waiting < count) return;
              events.off('held', check);
              resolve();
            };
            events.on('held', check);
            check();
          }),
        release() {
          current.remaining = 0;
          current.open();
        },
      };
    },
    failWith(code, times = 1, message = code >= 500 ? 'Rejected by the test sink' : 'Try again later') {
      for (let i = 0; i < times; i++) failures.push({ code, message });
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onMessage = (m: SinkMessage) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          events.off('message', onMessage);
          resolve(m);
        };
        const timer = setTimeout(() => {
          events.off('message', onMessage);
          reject(new Error(`smtp sink: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        events.on('message', onMessage);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
