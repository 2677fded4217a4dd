import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { retryWhileUnavailable } from '../db/pool';
import { addTimelineEntry, ensureMessage, recordStatus, startSend } from '../db/messages';
import { getRun } from '../db/runs';
import { sendContext, type SendContext } from '../db/send-context';
import { getTemplateVersion } from '../db/templates';
import { contactOf } from '../ingest/traits';
import { channelDefinition, CHANNELS, isChannel } from '../channels';
import { recipientTimeZone } from '../automations/run-reads';
import { smsOptOut } from '../consent/provider-signals';
import { checkSend } from '../consent/send-check';
import { listUnsubscribeHeaders, unsubscribeLinks } from '../consent/unsubscribe-links';
import { heldUntil } from '../consent/sending-hours';
import type { ConsentSettings } from '../consent/settings';
import type { RunConsent, SendOutcome, SendRequest } from '../../workflows/types';
import type { ChannelProviders } from './providers';
import { ProviderError } from './providers/types';
import { checkRenderedSize, ContentTooLargeError, renderTemplate, TemplateError, type TemplateContext } from './templates';
import { addTracking } from './tracking-content';
import type { UndeliverableReason } from './status';

export interface SendDeps {
  pool: Pool;
  providers: ChannelProviders;
  emailFrom: string;
  publicUrl: string;
  trackingSecret: string;
  /** TRACKING_LINK_HOSTS: hosts whose links are tracked; unset: every host. */
  trackingLinkHosts?: readonly string[];
  consent: ConsentSettings;
  /** The time zone of recipients who have none (for sending hours). */
  defaultTimezone: string;
  /** UNSUBSCRIBE_MAILTO: the mailto half of List-Unsubscribe. */
  unsubscribeMailto?: string;
}

/** Runs started before consent existed send as they always did. */
const TRANSACTIONAL: RunConsent = { category: 'transactional' };

export interface SendAttempt {
  /** The activity will not be retried after this attempt. */
  last: boolean;
  /** Keeps the activity alive while a slow provider works. */
  heartbeat(): void;
}

/** Short and deterministic: the same run step always makes the same message, whose id is the provider idempotency key. */
export function messageIdFor(runId: string, step: string): string {
  return `msg_${crypto.createHash('sha256').update(`${runId}\n${step}`).digest('base64url').slice(0, 22)}`;
}

async function whileHeartbeating<T>(work: Promise<T>, heartbeat: () => void): Promise<T> {
  const timer = setInterval(heartbeat, 2_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** What a template sees at a send (and at a test send, which may have no recipient profile). */
export function templateContext(userId: string | undefined, { traits = {}, event = {}, group }: SendContext, links: ReturnType<typeof unsubscribeLinks>): TemplateContext {
  const data = (event.properties ?? event.traits ?? {}) as Record<string, unknown>;
  const profile = userId === undefined ? traits : { ...traits, userId };
  return { profile, data, group, event, unsubscribe_url: links.unsubscribeUrl, preferences_url: links.preferencesUrl };
}

/**
 * One send of a run step, safe to repeat: the message row is made once, a
 * message already sent is not sent again, and the provider gets the message id
 * as idempotency key. The content is stored (and the send marked started)
 * before the provider is called, so a retry after a crash in between is seen
 * and logged on the timeline; providers dedupe it by the key (Twilio's
 * idempotency token, the mailbox's unique message id, SMTP's Message-ID;
 * Slack takes none). What differs per channel is in its registry entry.
 */
export async function sendMessage(deps: SendDeps, req: SendRequest, attempt: SendAttempt): Promise<SendOutcome> {
  const { pool } = deps;
  const run = await getRun(pool, req.runId);
  if (!run) throw ApplicationFailure.nonRetryable(`run ${req.runId} is not recorded`, 'UnknownRun');
  // Workflow code (a user's too) names the channel; one this build does not register cannot be sent, ever.
  if (!isChannel(req.channel)) throw ApplicationFailure.nonRetryable(`unknown channel ${JSON.stringify(req.channel)}; channels: ${CHANNELS.join(', ')}`, 'UnknownChannel');
  const channel = channelDefinition(req.channel);
  const provider = deps.providers[req.channel];
  const id = messageIdFor(req.runId, req.step);
  const message = await ensureMessage(pool, {
    id,
    run_id: run.id,
    step: req.step,
    user_id: run.user_id,
    channel: req.channel,
    provider: provider.name,
    template_id: req.template.id,
    template_version: req.template.version,
  });
  if (message.status === 'UNDELIVERABLE' || message.status === 'CANCELED') return { status: 'undeliverable', reason: message.reason ?? message.status };
  if (message.status !== 'ENQUEUED') return { status: 'sent', messageId: id };

  // The template is fetched beside the recipient's data: one round trip for both.
  const [template, context] = await Promise.all([getTemplateVersion(pool, req.template.id, req.template.version), sendContext(pool, run.user_id, run.trigger_message_id)]);
  const traits = context.traits ?? {};
  const given = channel.address.find(traits);
  if (!given) {
    if (!req.finalContactCheck) return { status: 'no-contact', messageId: id };
    await recordStatus(pool, id, { status: 'UNDELIVERABLE', reason: 'no-contact', source: 'homing', detail: { channel: req.channel } });
    return { status: 'undeliverable', reason: 'no-contact' };
  }
  // Event data sets the address: anything but exactly one recipient is refused before a provider can read a list in it.
  const address = channel.address.parse(given);
  if (!address) {
    return fail(pool, id, 'invalid-address', `the ${req.channel} address of ${run.user_id} is not ${channel.address.expected}: ${JSON.stringify(given)}`, 'InvalidAddress');
  }

  if (template?.channel !== req.channel) {
    return fail(pool, id, 'failed', `template ${req.template.id} version ${req.template.version} does not exist as ${channel.noun} template`, 'TemplateMissing');
  }
  const links = unsubscribeLinks(deps.publicUrl, deps.trackingSecret, id);
  let tracked: ReturnType<typeof addTracking>;
  try {
    const rendered = renderTemplate(req.channel, template.content, templateContext(run.user_id, context, links)) as unknown as Record<string, string>;
    tracked = addTracking(req.channel, rendered, id, deps);
    // Tracking links are longer than most links they replace.
    checkRenderedSize(req.channel, tracked.content);
  } catch (err) {
    if (err instanceof ContentTooLargeError) return fail(pool, id, 'failed', err.message, 'ContentTooLarge');
    if (err instanceof TemplateError) return fail(pool, id, 'failed', err.message, 'TemplateRenderError');
    throw err;
  }
  // Consent is judged now, not at run start: an opt-out during a wait stops what comes after it.
  const consent = run.input.consent ?? TRANSACTIONAL;
  const at = Math.max(req.at ?? 0, Date.now());
  const timeZone = recipientTimeZone(traits, (context.event?.context as Record<string, unknown> | undefined)?.timezone, deps.defaultTimezone);
  const until = heldUntil(consent, req.channel, deps.consent.sendingHours, timeZone, at);
  // One statement: opt-outs first (a person who opted out is not kept waiting), a place under the caps only when sending now.
  const verdict = await checkSend(pool, { userId: run.user_id, channel: req.channel, address, messageId: id, consent, caps: deps.consent.frequencyCaps, at, counts: until === undefined });
  if (!verdict.allowed) {
    await recordStatus(pool, id, { status: 'UNDELIVERABLE', reason: verdict.reason, source: 'homing', detail: verdict.detail });
    return { status: 'undeliverable', reason: verdict.reason };
  }
  if (until !== undefined) {
    await addTimelineEntry(pool, id, 'held', { reason: 'sending-hours', until: new Date(until).toISOString(), timeZone });
    return { status: 'held', messageId: id, until };
  }

  if (await startSend(pool, id, address, tracked.content, tracked.links)) {
    await addTimelineEntry(pool, id, 'send-retried', { note: 'an earlier attempt may have reached the provider; sent again with the same idempotency key' });
  }

  try {
    // RFC 8058 one-click unsubscribe on marketing mail (Gmail and Yahoo require it of bulk senders).
    const headers = consent.category === 'marketing' ? listUnsubscribeHeaders(links, deps.unsubscribeMailto) : undefined;
    const outgoing = { messageId: id, to: address, content: tracked.content, tokens: contactOf(traits).tokens, headers };
    const sent = await whileHeartbeating(channel.send(provider, outgoing, deps), attempt.heartbeat);
    // The provider has it: a dropped connection now must not fail the activity into sending it again.
    await retryWhileUnavailable(() =>
      recordStatus(pool, id, { status: 'SENT', source: provider.name, providerMessageId: sent.providerMessageId, detail: { providerMessageId: sent.providerMessageId } }),
    );
    return { status: 'sent', messageId: id };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.recipientOptedOut) {
      // Twilio 21610: the number replied STOP. An opt-out, recorded as the inbound STOP would be, not a failure to retry.
      if (req.channel === 'sms') await smsOptOut(pool, { address, source: 'twilio', evidence: { messageId: id, error: err.message } });
      await recordStatus(pool, id, { status: 'UNDELIVERABLE', reason: 'unsubscribed', source: provider.name, detail: { error: err.message } });
      return { status: 'undeliverable', reason: 'unsubscribed' };
    }
    // A provider's refusal (4xx) is final; its outages are retried until the last attempt.
    if (!err.retryable) return fail(pool, id, 'failed', err.message, 'ProviderRejected');
    if (attempt.last) return fail(pool, id, 'provider-error', err.message, 'ProviderUnavailable');
    // A provider that said when to come back (HTTP 429 Retry-After) is tried again then, not on the usual backoff.
    if (err.retryAfterMs !== undefined) throw ApplicationFailure.create({ message: err.message, type: 'ProviderUnavailable', nextRetryDelay: err.retryAfterMs });
    throw err;
  }
}

/** Marks the message UNDELIVERABLE and fails the activity for good (a typed, non-retryable failure). */
async function fail(pool: Pool, id: string, reason: UndeliverableReason, error: string, type: string): Promise<never> {
  await recordStatus(pool, id, { status: 'UNDELIVERABLE', reason, source: 'homing', detail: { error } });
  throw ApplicationFailure.nonRetryable(error, type);
}
