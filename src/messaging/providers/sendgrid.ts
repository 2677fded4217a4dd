import { MESSAGE_ID_ARG } from '../../webhooks/sendgrid';
import { smtpMessageId } from './smtp';
import type { EmailProvider, OutgoingEmail, SendResult } from './types';
import { ProviderError, isRetryableStatus } from './types';

export interface SendGridSettings {
  apiKey: string;
  /** e.g. https://api.sendgrid.com (or the EU endpoint), or a local server speaking its wire format in tests */
  apiUrl: string;
  timeoutMs?: number;
}

/** SendGrid's error body: `{errors: [{message, field, help}]}`. */
interface SendGridErrors {
  errors?: Array<{ message?: string; field?: string | null }>;
}

/** `Name <addr>`, `"Name" <addr>` or a bare address, as SendGrid's `{email, name}`. */
export function parseMailbox(from: string): { email: string; name?: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (!match) return { email: from.trim() };
  const name = match[1]!.trim();
  return name ? { email: match[2]!.trim(), name } : { email: match[2]!.trim() };
}

/**
 * SendGrid's v3 Mail Send API: one JSON POST per message, answered 202 with
 * the id in `X-Message-Id`. SendGrid takes no idempotency key; the message id
 * travels as a custom arg (so every webhook event names it) and as a
 * deterministic Message-ID (so a copy sent again after an ambiguous failure is
 * recognisable as the same message).
 */
export class SendGridEmailProvider implements EmailProvider {
  readonly name = 'sendgrid';
  private readonly endpoint: string;

  constructor(private readonly settings: SendGridSettings) {
    this.endpoint = `${settings.apiUrl.replace(/\/+$/, '')}/v3/mail/send`;
  }

  private body(mail: OutgoingEmail): unknown {
    const content = [
      // SendGrid wants text/plain before text/html.
      ...(mail.text ? [{ type: 'text/plain', value: mail.text }] : []),
      ...(mail.html ? [{ type: 'text/html', value: mail.html }] : []),
    ];
    return {
      personalizations: [{ to: [{ email: mail.to }], custom_args: { [MESSAGE_ID_ARG]: mail.messageId } }],
      from: parseMailbox(mail.from),
      subject: mail.subject,
      content,
      // No DKIM here: SendGrid signs the mail itself, for the sender domain authenticated in its account.
      headers: { ...mail.headers, 'Message-ID': smtpMessageId(mail.messageId), 'X-Homing-Message-Id': mail.messageId },
      tracking_settings: {
        // Homing has rewritten every link already; SendGrid's redirect around Homing's would only add a hop.
        click_tracking: { enable: false, enable_text: false },
        // A second pixel, served by SendGrid: its `open` event reaches the run like Homing's own pixel.
        open_tracking: { enable: true },
      },
    };
  }

  async send(mail: OutgoingEmail): Promise<SendResult> {
    let res: Response;
    let answer: SendGridErrors | undefined;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.settings.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(this.body(mail)),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000),
      });
      // 202 has no body; an error body that cannot be read leaves the status to speak.
      answer = (await res.json().catch(() => undefined)) as SendGridErrors | undefined;
    } catch (err) {
      throw new ProviderError(`SendGrid: request failed: ${(err as Error).message}`, true);
    }
    // Accepted is sent, even without the id header (webhook events find the message by the custom arg).
    if (res.ok) return { providerMessageId: res.headers.get('x-message-id') ?? mail.messageId };
    const messages = answer?.errors?.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).filter(Boolean) ?? [];
    throw new ProviderError(`SendGrid: HTTP ${res.status}${messages.length ? `: ${messages.join('; ')}` : ''}`, isRetryableStatus(res.status), res.status);
  }
}
