import type { Channel } from '../../workflows/types';
import { rewriteEmailHtml, rewriteText, trackingUrls } from './tracking';

/**
 * A rendered message made trackable: every link to an allowed host goes
 * through the click redirect (one index per distinct URL across html and
 * text), and an email's html gets the open pixel. `links` are the originals,
 * stored with the message, which is the only place a click can redirect to.
 */
export function addTracking(
  channel: Channel,
  content: Record<string, string>,
  messageId: string,
  cfg: { publicUrl: string; trackingSecret: string; trackingLinkHosts?: readonly string[] },
): { content: Record<string, string>; links: string[] } {
  const ctx = { messageId, urls: trackingUrls(cfg.publicUrl, cfg.trackingSecret), links: [] as string[], linkHosts: cfg.trackingLinkHosts };
  const out = { ...content };
  if (channel === 'email' && content.html !== undefined) out.html = rewriteEmailHtml(content.html, ctx).html;
  if (content.text !== undefined) out.text = rewriteText(content.text, ctx).text;
  return { content: out, links: ctx.links };
}
