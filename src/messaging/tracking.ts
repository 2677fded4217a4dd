import { domainToASCII } from 'node:url';
import { readSignedValue, signValue } from './signed-token';

/**
 * What a tracking token names: a message, and for a click (`k: 'c'`) the index
 * of the link in that message. `k: 'h'` is the message's hidden honeypot link,
 * which only machines follow (src/messaging/engagement-classification.ts).
 */
export interface TrackingPayload {
  m: string;
  k: 'o' | 'c' | 'h';
  l?: number;
}

// Separates these MACs from any other use of the same secret, and lets a v2 format coexist.
const MAC_CONTEXT = 'homing-tracking-v1.';

function isPayload(value: unknown): value is TrackingPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  if (typeof p.m !== 'string' || p.m === '') return false;
  const keys = Object.keys(p).sort().join(',');
  if (p.k === 'o' || p.k === 'h') return keys === 'k,m';
  return p.k === 'c' && keys === 'k,l,m' && Number.isSafeInteger(p.l) && (p.l as number) >= 0;
}

/** A compact, URL-safe token: base64url(JSON payload) "." base64url(truncated HMAC-SHA256). */
export function signToken(secret: string, payload: TrackingPayload): string {
  // Fixed key order, so one payload always gives one token.
  const canonical = payload.k === 'c' ? { m: payload.m, k: payload.k, l: payload.l } : { m: payload.m, k: payload.k };
  if (!isPayload(canonical)) throw new Error(`invalid tracking payload: ${JSON.stringify(payload)}`);
  return signValue(secret, MAC_CONTEXT, canonical);
}

/** The payload of a token this secret signed, or undefined for anything else. */
export function verifyToken(secret: string, token: string): TrackingPayload | undefined {
  const payload = readSignedValue(secret, MAC_CONTEXT, token);
  return isPayload(payload) ? payload : undefined;
}

export interface TrackingUrls {
  openUrl(messageId: string): string;
  clickUrl(messageId: string, linkIndex: number): string;
  honeypotUrl(messageId: string): string;
  /** True for this Homing's own tracking and unsubscribe URLs (`/t/`, `/u/`), which are never wrapped. */
  isTrackingUrl(url: string): boolean;
}

export function trackingUrls(publicUrl: string, secret: string): TrackingUrls {
  const base = publicUrl.replace(/\/+$/, '');
  // An unsubscribe link followed through the click redirect would count as engagement.
  const prefixes = [`${base}/t/`.toLowerCase(), `${base}/u/`.toLowerCase()];
  return {
    openUrl: (m) => `${base}/t/o/${signToken(secret, { m, k: 'o' })}`,
    clickUrl: (m, l) => `${base}/t/c/${signToken(secret, { m, k: 'c', l })}`,
    honeypotUrl: (m) => `${base}/t/h/${signToken(secret, { m, k: 'h' })}`,
    isTrackingUrl: (url) => prefixes.some((p) => url.toLowerCase().startsWith(p)),
  };
}

export interface RewriteContext {
  messageId: string;
  urls: TrackingUrls;
  /**
   * The message's links numbered so far, extended in place: pass the html
   * result's `links` when rewriting the text part, so one URL gets one index.
   */
  links?: string[];
  /**
   * Host patterns (`example.com`, `*.example.com`) whose links are tracked;
   * links elsewhere stay as they are, so Homing's domain never redirects to
   * them. Unset: every host.
   */
  linkHosts?: readonly string[];
  /** Adds the hidden honeypot link to an email's html (never to a text part, where it would show). */
  honeypot?: boolean;
}

/** A link host pattern as URL host names are compared: lower-case, IDN as punycode; undefined unless a host name or `*.` and one. */
export function hostPattern(raw: string): string | undefined {
  const wildcard = raw.startsWith('*.');
  const name = wildcard ? raw.slice(2) : raw;
  // domainToASCII reads a URL's host out of more than a host name ("a.com/path", "a%2Ecom").
  if (/[/\\?#@%:\s]/.test(name)) return undefined;
  const host = domainToASCII(name);
  if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/.test(host)) return undefined;
  return wildcard ? `*.${host}` : host;
}

/** `example.com` is that host only; `*.example.com` is any host below it (not the apex). Hosts come lower-cased from URL. */
function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.startsWith('*.') ? hostname.endsWith(p.slice(1)) : hostname === p));
}

/** Absolute http(s) URLs only: not mailto:, tel:, anchors, unrendered Liquid, Homing's own links or hosts off the allow-list. */
function isTrackable(url: string, ctx: RewriteContext): boolean {
  if (!/^https?:\/\/[^/?#\s]/i.test(url) || /\{[{%]|[%}]\}/.test(url) || !URL.canParse(url) || ctx.urls.isTrackingUrl(url)) return false;
  return !ctx.linkHosts || hostAllowed(new URL(url).hostname, ctx.linkHosts);
}

/** Numbers the message's distinct links; a Map, so many links cost no more than one each. */
function linkNumbering(ctx: RewriteContext): { links: string[]; clickUrl(url: string): string } {
  const links = ctx.links ?? [];
  const index = new Map(links.map((url, i) => [url, i]));
  return {
    links,
    clickUrl(url) {
      let i = index.get(url);
      if (i === undefined) {
        i = links.push(url) - 1;
        index.set(url, i);
      }
      return ctx.urls.clickUrl(ctx.messageId, i);
    },
  };
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Enough of HTML's character references for URLs: the named ones a URL needs, and numeric ones. */
function decodeEntities(value: string): string {
  return value.replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi, (ref, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED_ENTITIES[name.toLowerCase()] ?? ref;
    const code = dec ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ref;
  });
}

interface TagAttribute {
  name: string;
  /** The value's span in the document, quotes excluded (empty for an attribute without value). */
  start: number;
  end: number;
}

interface Tag {
  name: string;
  attributes: TagAttribute[];
  /** Index just after the closing `>`. */
  end: number;
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
const isLetter = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/**
 * Reads the tag whose name starts at `from`, as HTML's tokenizer does: names
 * end at a blank, `/` or `>`, values are double-, single- or unquoted, and a
 * quoted value may hold `>`. Every character is looked at once. Undefined when
 * the document ends inside the tag: a browser drops it, and everything after
 * it is part of it, so there is nothing more to read.
 */
function readTag(html: string, from: number): Tag | undefined {
  let i = from;
  const readUntilDelimiter = (extra: string) => {
    const start = i;
    while (i < html.length && !isBlank(html[i]) && html[i] !== '/' && html[i] !== '>' && !extra.includes(html[i]!)) i++;
    return html.slice(start, i);
  };
  const skipBlanks = () => {
    while (isBlank(html[i])) i++;
  };
  const name = readUntilDelimiter('');
  const attributes: TagAttribute[] = [];
  for (;;) {
    while (isBlank(html[i]) || html[i] === '/') i++;
    if (i >= html.length) return undefined;
    if (html[i] === '>') return { name, attributes, end: i + 1 };
    // A leading '=' belongs to the name (a parse error browsers accept).
    const nameStart = i++;
    readUntilDelimiter('=');
    const attribute = { name: html.slice(nameStart, i), start: i, end: i };
    attributes.push(attribute);
    skipBlanks();
    if (html[i] !== '=') continue;
    i++;
    skipBlanks();
    const quote = html[i];
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, i + 1);
      if (close < 0) return undefined;
      [attribute.start, attribute.end, i] = [i + 1, close, close + 1];
    } else {
      attribute.start = i;
      while (i < html.length && !isBlank(html[i]) && html[i] !== '>') i++;
      attribute.end = i;
    }
  }
}

/**
 * Points every http(s) link of an email at the click redirect and adds the
 * open pixel. One pass over the document, tag by tag, so the work grows with
 * its length whatever event data put in it.
 */
export function rewriteEmailHtml(html: string, ctx: RewriteContext): { html: string; links: string[] } {
  const numbering = linkNumbering(ctx);
  let out = '';
  let copied = 0;
  for (let lt = html.indexOf('<'); lt >= 0; ) {
    const closing = html[lt + 1] === '/';
    const nameAt = closing ? lt + 2 : lt + 1;
    // Like a browser: "<" not followed by a letter (or "/" and a letter) is text.
    if (!isLetter(html[nameAt])) {
      lt = html.indexOf('<', lt + 1);
      continue;
    }
    const tag = readTag(html, nameAt);
    if (!tag) break;
    // Browsers use the first href of a tag and ignore the others.
    const href = !closing && tag.name.toLowerCase() === 'a' ? tag.attributes.find((a) => a.name.toLowerCase() === 'href') : undefined;
    const url = href && decodeEntities(html.slice(href.start, href.end)).trim();
    if (href && url && isTrackable(url, ctx)) {
      out += html.slice(copied, href.start) + numbering.clickUrl(url);
      copied = href.end;
    }
    lt = html.indexOf('<', tag.end);
  }
  const rewritten = out + html.slice(copied);
  // No text, hidden and out of the tab order and the accessibility tree: a person cannot follow it; a scanner fetching every href does.
  const honeypot = ctx.honeypot ? `<a href="${ctx.urls.honeypotUrl(ctx.messageId)}" style="display:none" aria-hidden="true" tabindex="-1"></a>` : '';
  const pixel = `${honeypot}<img src="${ctx.urls.openUrl(ctx.messageId)}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`;
  const bodyEnd = rewritten.toLowerCase().lastIndexOf('</body');
  const withPixel = bodyEnd < 0 ? rewritten + pixel : rewritten.slice(0, bodyEnd) + pixel + rewritten.slice(bodyEnd);
  return { html: withPixel, links: numbering.links };
}

// A run of URL characters: no nested quantifiers, so no backtracking.
const TEXT_URL = /https?:\/\/[^\s<>"'`]+/gi;
const CLOSER_TO_OPENER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * Sentence punctuation after a URL is not part of it; a closing bracket is,
 * when the URL opened it. Brackets are counted once, then peeled off the end.
 */
function splitTrailing(match: string): [url: string, tail: string] {
  const counts: Record<string, number> = { '(': 0, ')': 0, '[': 0, ']': 0, '{': 0, '}': 0 };
  for (const c of match) if (c in counts) counts[c]!++;
  let end = match.length;
  while (end > 0) {
    const last = match[end - 1]!;
    const opener = CLOSER_TO_OPENER[last];
    if (opener ? counts[opener]! >= counts[last]! : !'.,;:!?'.includes(last)) break;
    if (opener) counts[last]!--;
    end--;
  }
  return [match.slice(0, end), match.slice(end)];
}

/** Points every bare http(s) URL of a plain-text email part or an SMS at the click redirect. */
export function rewriteText(text: string, ctx: RewriteContext): { text: string; links: string[] } {
  const numbering = linkNumbering(ctx);
  const rewritten = text.replace(TEXT_URL, (match) => {
    const [url, tail] = splitTrailing(match);
    return isTrackable(url, ctx) ? numbering.clickUrl(url) + tail : match;
  });
  return { text: rewritten, links: numbering.links };
}
