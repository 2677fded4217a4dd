import type { OutgoingSms, SendResult, SmsProvider } from './types';
import { ProviderError, isRetryableStatus } from './types';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** e.g. https://api.twilio.com, or a local server speaking its wire format in tests */
  apiUrl: string;
  /** `whatsapp:` sends the same API's WhatsApp messages: Twilio reads the channel from the From and To prefix. */
  addressPrefix?: 'whatsapp:';
  timeoutMs?: number;
}

/** Twilio's error body: `{code, message, more_info, status}`. */
interface TwilioError {
  code?: number;
  message?: string;
}

/** "Attempt to send to unsubscribed recipient": the number replied STOP, and Twilio refuses every message to it until START. */
const TWILIO_UNSUBSCRIBED_RECIPIENT = 21610;

/** Twilio's Programmable Messaging REST API: one form-encoded POST per message (SMS, or WhatsApp with its address prefix). */
export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(private readonly settings: TwilioSettings) {
    this.endpoint = `${settings.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  }

  async send(sms: OutgoingSms): Promise<SendResult> {
    const prefix = this.settings.addressPrefix ?? '';
    const form = new URLSearchParams({ To: prefix + sms.to, From: prefix + this.settings.from, Body: sms.text });
    if (sms.statusCallbackUrl) form.set('StatusCallback', sms.statusCallbackUrl);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'I-Twilio-Idempotency-Token': sms.messageId,
        },
        body: form,
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000),
      });
      text = await res.text();
    } catch (err) {
      // Refused, reset, timed out (even while reading the answer): the idempotency token makes another attempt safe.
      throw new ProviderError(`Twilio: request failed: ${(err as Error).message}`, true);
    }
    const body = parseJson(text);
    if (res.ok) {
      const sid = (body as { sid?: unknown } | undefined)?.sid;
      // Accepted but not understood: repeating the same token would only repeat this answer.
      if (typeof sid !== 'string') throw new ProviderError(`Twilio: HTTP ${res.status} without a message sid`, false, res.status);
      return { providerMessageId: sid };
    }
    const error = (body ?? {}) as TwilioError;
    const detail = error.message ? `: ${error.message}${error.code === undefined ? '' : ` (code ${error.code})`}` : '';
    const optedOut = error.code === TWILIO_UNSUBSCRIBED_RECIPIENT;
    throw new ProviderError(`Twilio: HTTP ${res.status}${detail}`, !optedOut && isRetryableStatus(res.status), res.status, undefined, optedOut);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
