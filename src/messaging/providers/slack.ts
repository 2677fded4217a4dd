import type { OutgoingSlack, SendResult, SlackProvider } from './types';
import { ProviderError, isRetryableStatus } from './types';

export interface SlackSettings {
  /** The installation's bot token (SLACK_BOT_TOKEN): used for recipients without a token of their own. */
  botToken?: string;
  /** e.g. https://slack.com/api, or a local server speaking its wire format in tests */
  apiUrl: string;
  timeoutMs?: number;
}

/** Slack's own trouble: another attempt can succeed. Every other `ok: false` error is about the request (channel, token, content) and final. */
const RETRYABLE_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Retry-After in seconds (Slack sends seconds), as milliseconds. */
function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header);
  return header !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Rendering has checked that blocks are a JSON array; Slack's JSON arguments take them as one. */
function parseBlocks(source: string): unknown {
  try {
    return JSON.parse(source);
  } catch {
    throw new ProviderError('Slack: blocks are not JSON', false);
  }
}

/**
 * Slack's Web API `chat.postMessage`: a JSON POST with a Bearer token,
 * answered HTTP 200 with `{ok: true, channel, ts}` or `{ok: false, error}`,
 * or HTTP 429 with Retry-After when rate limited. Slack takes no idempotency
 * key: the message row prevents a second send, except after a crash between
 * Slack's answer and its record (the same window as SMTP's).
 */
export class SlackWebApiProvider implements SlackProvider {
  readonly name = 'slack';
  private readonly endpoint: string;

  constructor(private readonly settings: SlackSettings) {
    this.endpoint = `${settings.apiUrl.replace(/\/+$/, '')}/chat.postMessage`;
  }

  async send(message: OutgoingSlack): Promise<SendResult> {
    const token = message.token ?? this.settings.botToken;
    if (!token) throw new ProviderError('Slack: no token: the recipient has no tokens.slackToken and SLACK_BOT_TOKEN is not set', false);
    const body = {
      channel: message.channel,
      text: message.text,
      ...(message.blocks === undefined ? {} : { blocks: parseBlocks(message.blocks) }),
      // Homing's click links would unfurl as Homing, not as the page they lead to.
      unfurl_links: false,
      unfurl_media: false,
    };
    let res: Response;
    let answer: { ok?: boolean; error?: string; channel?: string; ts?: string } | undefined;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000),
      });
      answer = (await res.json().catch(() => undefined)) as typeof answer;
    } catch (err) {
      throw new ProviderError(`Slack: request failed: ${(err as Error).message}`, true);
    }
    if (!res.ok) {
      const error = answer?.error ? `: ${answer.error}` : '';
      throw new ProviderError(`Slack: HTTP ${res.status}${error}`, isRetryableStatus(res.status), res.status, retryAfterMs(res.headers.get('retry-after')));
    }
    if (answer?.ok !== true) {
      const error = answer?.error ?? 'an answer without ok';
      throw new ProviderError(`Slack: chat.postMessage: ${error}`, RETRYABLE_ERRORS.has(error), res.status);
    }
    // A ts is unique within its conversation only.
    return { providerMessageId: `${answer.channel ?? message.channel}/${answer.ts ?? ''}` };
  }
}
