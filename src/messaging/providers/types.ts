export interface OutgoingEmail {
  /** Homing message id, also the idempotency key of the send. */
  messageId: string;
  to: string;
  from: string;
  subject: string;
  html?: string;
  text?: string;
}

export interface OutgoingSms {
  /** Homing message id, also the idempotency key of the send. */
  messageId: string;
  to: string;
  text: string;
  statusCallbackUrl?: string;
}

export interface SendResult {
  providerMessageId: string;
}

export interface EmailProvider {
  readonly name: string;
  send(mail: OutgoingEmail): Promise<SendResult>;
}

export interface SmsProvider {
  readonly name: string;
  send(sms: OutgoingSms): Promise<SendResult>;
}

/** A failed send; `retryable` tells the activity whether another attempt can succeed. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** HTTP APIs: throttling and server errors pass, any other 4xx means the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
