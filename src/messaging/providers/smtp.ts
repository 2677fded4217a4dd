import nodemailer, { type Transporter } from 'nodemailer';
import { emailAddress } from '../addresses';
import { DKIM_SIGNED_HEADERS, type DkimSettings } from './dkim';
import type { EmailProvider, OutgoingEmail, SendResult } from './types';
import { ProviderError } from './types';

/** Failures that another attempt cannot fix when the server gave no reply code. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'ECONFIG', 'EAUTH', 'ENOAUTH', 'EMAXRECIPIENTS']);

/**
 * The Message-ID of a Homing message: derived from the idempotency key, so a
 * resend after a crash carries the same id and receivers can recognise it.
 * Characters outside RFC 5322 atext are percent-encoded (and `%` itself, to
 * keep the mapping one-to-one).
 */
export function smtpMessageId(messageId: string): string {
  const local = messageId.replace(/[^A-Za-z0-9!#$&'*+\-/=?^_`{|}~.]/gu, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return `<${local}@homing>`;
}

/** SMTP 5xx replies are permanent; 4xx replies and connection trouble are worth another attempt. */
export function classifySmtpError(err: unknown): ProviderError {
  const e = err as { message?: string; code?: string; responseCode?: number };
  const message = `SMTP: ${e.message ?? String(err)}`;
  if (typeof e.responseCode === 'number') return new ProviderError(message, e.responseCode < 500, e.responseCode);
  return new ProviderError(message, !PERMANENT_CODES.has(e.code ?? ''));
}

export class SmtpEmailProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  /** With `dkim`, every message is signed (List-Unsubscribe and List-Unsubscribe-Post included). */
  constructor(smtpUrl: string, dkim?: DkimSettings) {
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      // Defaults (2 min to connect, 10 min of silence) would hold an activity far past its timeout.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      dnsTimeout: 10_000,
      ...(dkim && { dkim: { ...dkim, headerFieldNames: DKIM_SIGNED_HEADERS } }),
    });
  }

  async send(mail: OutgoingEmail): Promise<SendResult> {
    // Defence in depth behind sendMessage's check: a string `to` is an address list to nodemailer.
    const address = emailAddress(mail.to);
    if (!address) throw new ProviderError(`SMTP: recipient ${JSON.stringify(mail.to)} is not one email address`, false);
    // Structured, so nodemailer never parses it; the envelope named, so RCPT TO is that address alone.
    const to = { name: '', address };
    const messageId = smtpMessageId(mail.messageId);
    try {
      await this.transport.sendMail({
        messageId,
        from: mail.from,
        to,
        envelope: { from: mail.from, to: [to] },
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: { ...mail.headers, 'X-Homing-Message-Id': mail.messageId },
      });
    } catch (err) {
      throw classifySmtpError(err);
    }
    return { providerMessageId: messageId };
  }

  /** Closes the pooled connections. */
  close(): void {
    this.transport.close();
  }
}
