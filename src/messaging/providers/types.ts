export interface OutgoingEmail {
  /** Homing message id, also the idempotency key of the send. */
  messageId: string;
  to: string;
  from: string;
  subject: string;
  html?: string;
  text?: string;
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post), set as given. */
  headers?: Record<string, string>;
}

export interface OutgoingSms {
  /** Homing message id, also the idempotency key of the send. */
  messageId: string;
  to: string;
  text: string;
  statusCallbackUrl?: string;
}

/** A Slack message: `channel` is a member id (a DM from the bot or token owner) or a conversation id. */
export interface OutgoingSlack {
  /** Homing message id (Slack takes no idempotency key; see providers/slack.ts). */
  messageId: string;
  channel: string;
  text: string;
  /** Block Kit blocks, a JSON array as a string. */
  blocks?: string;
  /** The recipient's own token (`traits.tokens.slackToken`); else the installation's bot token. */
  token?: string;
}

export interface SendResult {
  providerMessageId: string;
}

/** What every provider has: a name (stored with each message, and what webhooks look messages up by). */
export interface Provider {
  readonly name: string;
  /** Releases what the provider holds open (pooled connections). */
  close?(): void;
}

export interface EmailProvider extends Provider {
  send(mail: OutgoingEmail): Promise<SendResult>;
}

export interface SmsProvider extends Provider {
  send(sms: OutgoingSms): Promise<SendResult>;
}

export interface SlackProvider extends Provider {
  send(message: OutgoingSlack): Promise<SendResult>;
}

/** Config validation already demands these settings for the provider chosen; this keeps the types honest. */
export function requiredSetting(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required by the chosen provider`);
  return value;
}

/** A failed send; `retryable` tells the activity whether another attempt can succeed. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** How long the provider asked to be left alone (HTTP Retry-After). */
    readonly retryAfterMs?: number,
    /** The recipient opted out with the provider (Twilio 21610: they replied STOP), so no send to them can succeed. */
    readonly recipientOptedOut = false,
  ) {
    super(message);
  }
}

/** HTTP APIs: throttling and server errors pass, any other 4xx means the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
