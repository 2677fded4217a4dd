import { channelDefinition, type Channel } from '../channels';
import type { FieldKind } from '../channels/types';
import { rewriteEmailHtml, rewriteText, trackingUrls, type RewriteContext } from './tracking';

// Slack's mrkdwn link: <url> or <url|label>.
const MRKDWN_LINK = /<(https?:\/\/[^|>\s]+)((?:\|[^>]*)?)>/gi;

type Tracked = Exclude<FieldKind, 'plain'>;

const REWRITE: Record<Tracked, (source: string, ctx: RewriteContext) => string> = {
  html: (source, ctx) => rewriteEmailHtml(source, { ...ctx, honeypot: true }).html,
  text: (source, ctx) => rewriteText(source, ctx).text,
  // The link inside <url|label> first, so its label stays; the rewritten URL is Homing's own and is not wrapped again.
  mrkdwn: (source, ctx) => rewriteText(source.replace(MRKDWN_LINK, (_, url: string, label: string) => `<${rewriteText(url, ctx).text}${label}>`), ctx).text,
};

// HTML first: an email's html and text share link numbers in that order.
const ORDER: Tracked[] = ['html', 'text', 'mrkdwn'];

/**
 * A rendered message made trackable: every link to an allowed host goes
 * through the click redirect (one index per distinct URL across the fields),
 * and an HTML field gets the open pixel. `links` are the originals, stored
 * with the message, which is the only place a click can redirect to.
 */
export function addTracking(
  channel: Channel,
  content: Record<string, string>,
  messageId: string,
  cfg: { publicUrl: string; trackingSecret: string; trackingLinkHosts?: readonly string[] },
): { content: Record<string, string>; links: string[] } {
  const ctx = { messageId, urls: trackingUrls(cfg.publicUrl, cfg.trackingSecret), links: [] as string[], linkHosts: cfg.trackingLinkHosts };
  const out = { ...content };
  const fields = Object.entries(channelDefinition(channel).fields);
  for (const kind of ORDER) {
    for (const [field, rule] of fields) {
      const source = content[field];
      if (rule.kind === kind && source !== undefined) out[field] = REWRITE[kind](source, ctx);
    }
  }
  return { content: out, links: ctx.links };
}
