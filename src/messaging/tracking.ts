import crypto from 'node:crypto';

/** What a tracking token names: a message, and for a click (`k: 'c'`) the index of the link in that message. */
export interface TrackingPayload {
  m: string;
  k: 'o' | 'c';
  l?: number;
}

// Separates these MACs from any other use of the same secret, and lets a v2 format coexist.
const MAC_CONTEXT = 'homing-tracking-v1.';
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function mac(secret: string, payloadPart: string): Buffer {
  return crypto.createHmac('sha256', secret).update(MAC_CONTEXT + payloadPart).digest().subarray(0, MAC_BYTES);
}

function isPayload(value: unknown): value is TrackingPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  if (typeof p.m !== 'string' || p.m === '') return false;
  const keys = Object.keys(p).sort().join(',');
  if (p.k === 'o') return keys === 'k,m';
  return p.k === 'c' && keys === 'k,l,m' && Number.isSafeInteger(p.l) && (p.l as number) >= 0;
}

/** A compact, URL-safe token: base64url(JSON payload) "." base64url(truncated HMAC-SHA256). */
export function signToken(secret: string, payload: TrackingPayload): string {
  // Fixed key order, so one payload always gives one token.
  const canonical = payload.k === 'c' ? { m: payload.m, k: payload.k, l: payload.l } : { m: payload.m, k: payload.k };
  if (!isPayload(canonical)) throw new Error(`invalid tracking payload: ${JSON.stringify(payload)}`);
  const payloadPart = Buffer.from(JSON.stringify(canonical)).toString('base64url');
  return `${payloadPart}.${mac(secret, payloadPart).toString('base64url')}`;
}

/** The payload of a token this secret signed, or undefined for anything else. */
export function verifyToken(secret: string, token: string): TrackingPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payloadPart, macPart] = parts as [string, string];
  if (!BASE64URL.test(payloadPart) || !BASE64URL.test(macPart)) return undefined;
  const given = Buffer.from(macPart, 'base64url');
  // Only the canonical spelling: base64url has several for the same bytes, and each would be an altered token.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== macPart) return undefined;
  if (!crypto.timingSafeEqual(given, mac(secret, payloadPart))) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return isPayload(payload) ? payload : undefined;
}

export interface TrackingUrls {
  openUrl(messageId: string): string;
  clickUrl(messageId: string, linkIndex: number): string;
  /** True for this Homing's own tracking URLs, which are never wrapped again. */
  isTrackingUrl(url: string): boolean;
}

export function trackingUrls(publicUrl: string, secret: string): TrackingUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const prefix = `${base}/t/`.toLowerCase();
  return {
    openUrl: (m) => `${base}/t/o/${signToken(secret, { m, k: 'o' })}`,
    clickUrl: (m, l) => `${base}/t/c/${signToken(secret, { m, k: 'c', l })}`,
    isTrackingUrl: (url) => url.toLowerCase().startsWith(prefix),
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
}

/** Absolute http(s) URLs only: not mailto:, tel:, anchors, unrendered Liquid or Homing's own links. */
function isTrackable(url: string, urls: TrackingUrls): boolean {
  return /^https?:\/\/[^/?#\s]/i.test(url) && !/\{[{%]|[%}]\}/.test(url) && URL.canParse(url) && !urls.isTrackingUrl(url);
}

function clickUrlFor(url: string, ctx: RewriteContext, links: string[]): string {
  let index = links.indexOf(url);
  if (index < 0) index = links.push(url) - 1;
  return ctx.urls.clickUrl(ctx.messageId, index);
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

// An <a> start tag; quoted attribute values may contain '>'.
const A_TAG = /<a(?=[\s>])(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
// One attribute of a tag, value in double, single or no quotes. Walking them in order keeps text inside quoted values from reading as an attribute.
const ATTRIBUTE = /(\s+([^\s"'>/=]+)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g;

/** Points every http(s) link of an email at the click redirect and adds the open pixel. */
export function rewriteEmailHtml(html: string, ctx: RewriteContext): { html: string; links: string[] } {
  const links = ctx.links ?? [];
  const rewritten = html.replace(A_TAG, (tag) => {
    let seenHref = false;
    return tag.replace(ATTRIBUTE, (attr, prefix: string, name: string, dq?: string, sq?: string, bare?: string) => {
      // Browsers use the first href of a tag and ignore the others.
      if (name.toLowerCase() !== 'href' || seenHref) return attr;
      seenHref = true;
      const url = decodeEntities(dq ?? sq ?? bare ?? '').trim();
      if (!isTrackable(url, ctx.urls)) return attr;
      const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '';
      return `${prefix}${quote}${clickUrlFor(url, ctx, links)}${quote}`;
    });
  });
  const pixel = `<img src="${ctx.urls.openUrl(ctx.messageId)}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`;
  const bodyEnd = rewritten.toLowerCase().lastIndexOf('</body');
  const withPixel = bodyEnd < 0 ? rewritten + pixel : rewritten.slice(0, bodyEnd) + pixel + rewritten.slice(bodyEnd);
  return { html: withPixel, links };
}

const TEXT_URL = /https?:\/\/[^\s<>"'`]+/gi;
const CLOSER_TO_OPENER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

const count = (s: string, c: string) => s.split(c).length - 1;

/** Sentence punctuation after a URL is not part of it; a closing bracket is, when the URL opened it. */
function splitTrailing(match: string): [url: string, tail: string] {
  let end = match.length;
  while (end > 0) {
    const last = match[end - 1]!;
    const opener = CLOSER_TO_OPENER[last];
    const url = match.slice(0, end);
    if (opener ? count(url, opener) < count(url, last) : '.,;:!?'.includes(last)) end--;
    else break;
  }
  return [match.slice(0, end), match.slice(end)];
}

/** Points every bare http(s) URL of a plain-text email part or an SMS at the click redirect. */
export function rewriteText(text: string, ctx: RewriteContext): { text: string; links: string[] } {
  const links = ctx.links ?? [];
  const rewritten = text.replace(TEXT_URL, (match) => {
    const [url, tail] = splitTrailing(match);
    return isTrackable(url, ctx.urls) ? clickUrlFor(url, ctx, links) + tail : match;
  });
  return { text: rewritten, links };
}
