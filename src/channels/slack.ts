import { z } from 'zod';
import { contactOf } from '../ingest/traits';
import { MailboxSlackProvider } from '../messaging/providers/mailbox';
import { SlackWebApiProvider } from '../messaging/providers/slack';
import type { SlackProvider } from '../messaging/providers/types';
import { defineChannel, stringTrait } from './types';

// Member (U…, W…), channel (C…, G…) and DM (D…) ids.
const SLACK_ID = /^[CDGUW][A-Z0-9]{2,49}$/;

function isJsonArray(source: string): boolean {
  try {
    return Array.isArray(JSON.parse(source));
  } catch {
    return false;
  }
}

/**
 * Slack through the Web API's `chat.postMessage`. The recipient is the
 * profile's `slackUserId` (or `slack_user_id`) member id, else the
 * conversation id in `tokens.slackChannel`; the token is the profile's
 * `tokens.slackToken`, else the installation's SLACK_BOT_TOKEN. `text` is
 * mrkdwn whose links are tracked; `blocks` is an optional Block Kit JSON array
 * (Liquid too, links not tracked). Slack has no delivery reports: a message
 * ends at SENT unless its links are clicked.
 */
export const slack = defineChannel({
  noun: 'a Slack message',
  content: z.strictObject({
    text: z.string().min(1).describe('mrkdwn; also the notification text when blocks are given'),
    blocks: z.string().min(1).optional().describe('Block Kit blocks: Liquid that renders to a JSON array'),
  }),
  fields: {
    // Slack truncates text past 40,000 characters; 50 blocks of at most 3,000 characters each fit in 200,000.
    text: { kind: 'mrkdwn', limit: 40_000 },
    blocks: { kind: 'plain', limit: 200_000 },
  },
  address: {
    find: (traits) => stringTrait(traits.slackUserId) ?? stringTrait(traits.slack_user_id) ?? stringTrait(contactOf(traits).tokens.slackChannel),
    parse: (raw) => (SLACK_ID.test(raw) ? raw : undefined),
    expected: 'a Slack member or conversation id (like U024BE7LH or C0123ABCD)',
  },
  createProvider(config, pool): SlackProvider {
    if (config.slack.provider === 'mailbox') return new MailboxSlackProvider(pool);
    return new SlackWebApiProvider({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl });
  },
  send: (provider, m) =>
    provider.send({ messageId: m.messageId, channel: m.to, text: m.content.text ?? '', blocks: m.content.blocks, token: stringTrait(m.tokens.slackToken) }),
  checkRendered: (content) =>
    content.blocks !== undefined && !isJsonArray(content.blocks) ? { field: 'blocks', problem: 'must render to a JSON array of Slack blocks' } : undefined,
});
