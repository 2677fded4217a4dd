import type { Pool } from '../../db/pool';
import { whereClause } from '../../db/filter';
import type { Channel } from '../../channels';
import type { EmailProvider, OutgoingEmail, OutgoingSlack, OutgoingSms, SendResult, SlackProvider, SmsProvider } from './types';

type Queryable = Pick<Pool, 'query'>;

interface MailboxItem {
  messageId: string;
  channel: Channel;
  recipient: string;
  sender?: string;
  subject?: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
}

/**
 * Keeps the message in table `mailbox` instead of delivering it. The id is
 * derived from the message id, so a repeated send stores nothing new and
 * answers the same id, as a provider honouring an idempotency key would.
 */
async function store(db: Queryable, item: MailboxItem): Promise<SendResult> {
  await db.query(
    `INSERT INTO mailbox (message_id, channel, recipient, sender, subject, html, text, headers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_id) DO NOTHING`,
    [item.messageId, item.channel, item.recipient, item.sender ?? null, item.subject ?? null, item.html ?? null, item.text ?? null, item.headers ?? {}],
  );
  return { providerMessageId: `mailbox-${item.messageId}` };
}

export class MailboxEmailProvider implements EmailProvider {
  readonly name = 'mailbox';
  constructor(private readonly db: Queryable) {}

  send(mail: OutgoingEmail): Promise<SendResult> {
    const { messageId, to, from, subject, html, text, headers } = mail;
    return store(this.db, { messageId, channel: 'email', recipient: to, sender: from, subject, html, text, headers });
  }
}

/** Text messages (SMS by default; WhatsApp is the same shape). */
export class MailboxSmsProvider implements SmsProvider {
  readonly name = 'mailbox';
  constructor(
    private readonly db: Queryable,
    private readonly channel: Channel = 'sms',
  ) {}

  send(sms: OutgoingSms): Promise<SendResult> {
    return store(this.db, { messageId: sms.messageId, channel: this.channel, recipient: sms.to, text: sms.text });
  }
}

/** Slack messages: the recipient is the member or conversation id; blocks are not kept. */
export class MailboxSlackProvider implements SlackProvider {
  readonly name = 'mailbox';
  constructor(private readonly db: Queryable) {}

  send(message: OutgoingSlack): Promise<SendResult> {
    return store(this.db, { messageId: message.messageId, channel: 'slack', recipient: message.channel, text: message.text });
  }
}

export interface MailboxFilter {
  channel?: Channel;
  to?: string;
  limit: number;
  /** Return entries with an id below this one (newest first). */
  before?: string;
}

export interface MailboxEntry {
  id: string;
  messageId: string;
  channel: Channel;
  to: string;
  from: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  /** Extra headers an email was given (List-Unsubscribe on marketing mail). */
  headers: Record<string, string>;
  createdAt: Date;
}

export async function listMailbox(db: Queryable, f: MailboxFilter): Promise<MailboxEntry[]> {
  const { where, params } = whereClause([
    ['channel = ?', f.channel],
    ['recipient = ?', f.to],
    ['id < ?', f.before],
  ]);
  const sql = `SELECT id, message_id AS "messageId", channel, recipient AS "to", sender AS "from", subject, html, text, headers, created_at AS "createdAt"
    FROM mailbox ${where} ORDER BY id DESC LIMIT $${params.length + 1}`;
  return (await db.query<MailboxEntry>(sql, [...params, f.limit])).rows;
}
