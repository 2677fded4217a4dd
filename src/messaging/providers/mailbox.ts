import type { Pool } from '../../db/pool';
import { whereClause } from '../../db/filter';
import type { EmailProvider, OutgoingEmail, OutgoingSms, SendResult, SmsProvider } from './types';

type Queryable = Pick<Pool, 'query'>;

interface MailboxItem {
  messageId: string;
  channel: 'email' | 'sms';
  recipient: string;
  sender?: string;
  subject?: string;
  html?: string;
  text?: string;
}

/**
 * Keeps the message in table `mailbox` instead of delivering it. The id is
 * derived from the message id, so a repeated send stores nothing new and
 * answers the same id, as a provider honouring an idempotency key would.
 */
async function store(db: Queryable, item: MailboxItem): Promise<SendResult> {
  await db.query(
    `INSERT INTO mailbox (message_id, channel, recipient, sender, subject, html, text)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
    [item.messageId, item.channel, item.recipient, item.sender ?? null, item.subject ?? null, item.html ?? null, item.text ?? null],
  );
  return { providerMessageId: `mailbox-${item.messageId}` };
}

export class MailboxEmailProvider implements EmailProvider {
  readonly name = 'mailbox';
  constructor(private readonly db: Queryable) {}

  send(mail: OutgoingEmail): Promise<SendResult> {
    const { messageId, to, from, subject, html, text } = mail;
    return store(this.db, { messageId, channel: 'email', recipient: to, sender: from, subject, html, text });
  }
}

export class MailboxSmsProvider implements SmsProvider {
  readonly name = 'mailbox';
  constructor(private readonly db: Queryable) {}

  send(sms: OutgoingSms): Promise<SendResult> {
    return store(this.db, { messageId: sms.messageId, channel: 'sms', recipient: sms.to, text: sms.text });
  }
}

export interface MailboxFilter {
  channel?: 'email' | 'sms';
  to?: string;
  limit: number;
  /** Return entries with an id below this one (newest first). */
  before?: string;
}

export interface MailboxEntry {
  id: string;
  messageId: string;
  channel: 'email' | 'sms';
  to: string;
  from: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  createdAt: Date;
}

export async function listMailbox(db: Queryable, f: MailboxFilter): Promise<MailboxEntry[]> {
  const { where, params } = whereClause([
    ['channel = ?', f.channel],
    ['recipient = ?', f.to],
    ['id < ?', f.before],
  ]);
  const sql = `SELECT id, message_id AS "messageId", channel, recipient AS "to", sender AS "from", subject, html, text, created_at AS "createdAt"
    FROM mailbox ${where} ORDER BY id DESC LIMIT $${params.length + 1}`;
  return (await db.query<MailboxEntry>(sql, [...params, f.limit])).rows;
}
