import crypto from 'node:crypto';
import type { Pool } from 'pg';
import { channelDefinition, type Channel } from '../channels';
import { resolveProfileId } from '../db/profiles';
import { sendContext, type SendContext } from '../db/send-context';
import type { ChannelProviders } from './providers';
import { templateContext } from './send';
import { PREVIEW_LINK, renderTemplate, type TemplateContent } from './templates';

/** What a test send needs beside the database: the providers a real send uses and the installation's sender settings. */
export interface TestSendSettings {
  providers: ChannelProviders;
  emailFrom: string;
  publicUrl: string;
}

export interface TestSendRequest {
  channel: Channel;
  content: TemplateContent;
  to: string;
  /** A profile (userId or alias) the template renders against; none: an empty profile. */
  profileId?: string;
  /** An event of the log (its id) the template renders against; none: an empty event. */
  eventId?: string;
}

export type TestSendResult =
  | { sent: true; messageId: string; provider: string; providerMessageId: string; rendered: Record<string, string> }
  | { sent: false; missing: string }
  | { sent: false; invalidAddress: string };

/** The header that marks a test email, for the recipient's filters and anyone reading the raw message. */
export const TEST_HEADER = 'X-Homing-Test';

async function loggedEvent(pool: Pool, id: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await pool.query<{ payload: Record<string, unknown> }>('SELECT payload FROM events WHERE id = $1', [id]);
  return rows[0]?.payload;
}

/**
 * A template rendered as a send renders it (same context, same Liquid, same
 * channel code and provider) and handed to the configured provider, but as a
 * test: no run, no message row, so no status, tracking or outcome. Links are
 * not tracked and the unsubscribe links are the preview's, since there is no
 * message to resolve them to. Throws a TemplateError for content that does not render.
 */
export async function sendTest(pool: Pool, settings: TestSendSettings, req: TestSendRequest): Promise<TestSendResult> {
  const channel = channelDefinition(req.channel);
  const to = channel.address.parse(req.to);
  if (!to) return { sent: false, invalidAddress: `"to" is not ${channel.address.expected}: ${JSON.stringify(req.to)}` };

  let userId: string | undefined;
  let context: SendContext = { group: null };
  if (req.profileId !== undefined) {
    userId = await resolveProfileId(pool, req.profileId);
    if (!userId) return { sent: false, missing: `no profile "${req.profileId}"` };
    context = await sendContext(pool, userId, '');
  }
  if (req.eventId !== undefined) {
    const event = await loggedEvent(pool, req.eventId);
    if (!event) return { sent: false, missing: `no event ${req.eventId}` };
    context = { ...context, event };
  }

  const links = { unsubscribeUrl: PREVIEW_LINK, preferencesUrl: PREVIEW_LINK };
  const rendered = renderTemplate(req.channel, req.content, templateContext(userId, context, links)) as unknown as Record<string, string>;
  const messageId = `test_${crypto.randomBytes(12).toString('base64url')}`;
  const provider = settings.providers[req.channel];
  const outgoing = { messageId, to, content: rendered, tokens: {}, headers: req.channel === 'email' ? { [TEST_HEADER]: 'true' } : undefined };
  const { providerMessageId } = await channel.send(provider, outgoing, settings);
  return { sent: true, messageId, provider: provider.name, providerMessageId, rendered };
}
