/**
 * Tells a person's open or click from a machine's. Mail security gateways
 * follow every link of a message within seconds of its delivery, Apple Mail
 * Privacy Protection fetches every image of every message through Apple's
 * proxy, and chat apps unfurl links; none of that is a person engaging, and
 * counting it would cancel an SMS fallback for someone who never saw the email.
 *
 * The policy, first match wins:
 *  1. the hidden honeypot link (no person can see it)                 → machine `honeypot-link`
 *  2. a HEAD request (a link checker, not a browser)                  → machine `head-request`
 *  3. the provider says it was a machine (SendGrid `sg_machine_open`)  → machine `provider-verdict`
 *  4. a request without a User-Agent (browsers and mail apps send one) → machine `no-user-agent`
 *  5. a User-Agent of a known scanner or link previewer (SCANNERS)     → machine `scanner-agent`
 *  6. an open, when the provider says it was a person                  → human   `provider-verdict`
 *  7. an open through Apple's proxy: the bare User-Agent `Mozilla/5.0`
 *     (every browser and mail app adds its platform), or an address in
 *     Apple's own 17.0.0.0/8                                           → machine `apple-mail-privacy-protection`
 *  8. a click within `machineClickSeconds` of delivery (else sending)  → machine `click-within-window`
 *  9. anything else                                                    → human   `no-machine-signal`
 *
 * Opens are not judged by time (a person reading their inbox opens at once);
 * Gmail's and Yahoo's image proxies fetch when the person opens, so are human.
 */

export type Engagement = 'human' | 'machine';

export type ClassificationRule =
  | 'honeypot-link'
  | 'head-request'
  | 'provider-verdict'
  | 'no-user-agent'
  | 'scanner-agent'
  | 'apple-mail-privacy-protection'
  | 'click-within-window'
  | 'no-machine-signal';

export interface EngagementEvidence {
  kind: 'open' | 'click';
  /** How Homing learned of it: its pixel, click redirect or honeypot link, or a provider's report (`sendgrid`, `twilio`). */
  detectedBy: string;
  /** The HTTP method of a request to Homing's own tracking routes. */
  method?: string;
  /** '' for a request that carried none; unset when not reported (a provider event without one says nothing). */
  userAgent?: string;
  ip?: string;
  /** From delivery (else sending) to the engagement; unset when neither is known. */
  secondsSinceDelivery?: number;
  /** The provider's own verdict, when it gives one (SendGrid's `sg_machine_open`). */
  providerMachine?: boolean;
  honeypot?: boolean;
}

export interface Verdict {
  engagement: Engagement;
  rule: ClassificationRule;
  /** Which scanner, for `scanner-agent`. */
  scanner?: string;
}

export interface EngagementPolicy {
  /** A click this many seconds or fewer after delivery (else sending) is a machine's; 0 turns the rule off. */
  machineClickSeconds: number;
  /** Machine engagement counts as a person's would (moves the status, ends a wait, is reported); the honeypot never does. */
  countMachine: boolean;
}

/**
 * Scanners fetch a link within a second or two of delivery; a person has to
 * notice the message, open it, read it and find the link, which takes longer.
 */
export const DEFAULT_ENGAGEMENT_POLICY: EngagementPolicy = { machineClickSeconds: 5, countMachine: false };

/**
 * Short on purpose: agents that name themselves. Safe Links and most gateways
 * also fetch with a browser's agent, which the click window catches instead.
 */
const SCANNERS: Array<[name: string, agent: RegExp]> = [
  ['Barracuda', /barracuda/i],
  ['Mimecast', /mimecast/i],
  ['Proofpoint', /proofpoint/i],
  // Outlook and Teams previews (BingPreview, SkypeUriPreview) and Office's link probes before opening a link.
  ['Microsoft link preview', /BingPreview|SkypeUriPreview|Microsoft Office (?:Existence|Protocol) Discovery/i],
  ['headless browser', /HeadlessChrome|PhantomJS/i],
  // Slack unfurls links in messages it receives; iMessage and others preview with these agents.
  ['link preview', /Slackbot-LinkExpanding|facebookexternalhit|Twitterbot/i],
];

/** Apple's own network (AS714), which Mail Privacy Protection's proxy fetches from. */
function isAppleAddress(ip: string): boolean {
  return /^(?:::ffff:)?17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(ip);
}

export function classifyEngagement(e: EngagementEvidence, machineClickSeconds: number): Verdict {
  const machine = (rule: ClassificationRule, scanner?: string): Verdict => ({ engagement: 'machine', rule, ...(scanner ? { scanner } : {}) });
  if (e.honeypot) return machine('honeypot-link');
  if (e.method === 'HEAD') return machine('head-request');
  if (e.providerMachine === true) return machine('provider-verdict');
  if (e.userAgent === '') return machine('no-user-agent');
  const scanner = e.userAgent === undefined ? undefined : SCANNERS.find(([, agent]) => agent.test(e.userAgent!));
  if (scanner) return machine('scanner-agent', scanner[0]);
  if (e.kind === 'open') {
    if (e.providerMachine === false) return { engagement: 'human', rule: 'provider-verdict' };
    if (e.userAgent === 'Mozilla/5.0' || (e.ip !== undefined && isAppleAddress(e.ip))) return machine('apple-mail-privacy-protection');
  } else if (machineClickSeconds > 0 && e.secondsSinceDelivery !== undefined && e.secondsSinceDelivery < machineClickSeconds) {
    return machine('click-within-window');
  }
  return { engagement: 'human', rule: 'no-machine-signal' };
}
