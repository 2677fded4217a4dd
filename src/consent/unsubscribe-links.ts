import { macMatches, readSignedValue, signValue, truncatedMac } from '../messaging/signed-token';

// Own MAC contexts: a tracking token (same secret) is never an unsubscribe token, and a page token never a form token.
const TOKEN_CONTEXT = 'homing-unsubscribe-v1.';
const FORM_CONTEXT = 'homing-unsubscribe-form-v1.';

/** The signed token of a message's unsubscribe links: it names the message (so its person, channel and topic). */
function unsubscribeToken(secret: string, messageId: string): string {
  return signValue(secret, TOKEN_CONTEXT, { m: messageId });
}

/** The message id an unsubscribe token names, or undefined for a forged, altered or other kind of token. */
export function readUnsubscribeToken(secret: string, token: string): string | undefined {
  const value = readSignedValue(secret, TOKEN_CONTEXT, token);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { m, ...rest } = value as Record<string, unknown>;
  return typeof m === 'string' && m !== '' && Object.keys(rest).length === 0 ? m : undefined;
}

/** The one-click unsubscribe URL (`POST`; `GET` shows a confirm page) and the preferences page of one message. */
export function unsubscribeLinks(publicUrl: string, secret: string, messageId: string): { unsubscribeUrl: string; preferencesUrl: string } {
  const unsubscribeUrl = `${publicUrl.replace(/\/+$/, '')}/u/${unsubscribeToken(secret, messageId)}`;
  return { unsubscribeUrl, preferencesUrl: `${unsubscribeUrl}/preferences` };
}

/**
 * RFC 8058 one-click unsubscribe (RFC 2369 `List-Unsubscribe` with the https
 * URL first), and a mailto whose subject carries the token when an inbound
 * address is configured (its handler POSTs /u/<token>).
 */
export function listUnsubscribeHeaders(links: { unsubscribeUrl: string }, mailto?: string): Record<string, string> {
  const targets = [`<${links.unsubscribeUrl}>`];
  if (mailto) {
    const token = links.unsubscribeUrl.slice(links.unsubscribeUrl.lastIndexOf('/') + 1);
    targets.push(`<mailto:${mailto}?subject=unsubscribe%20${token}>`);
  }
  return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** The anti-CSRF token a preferences page embeds in its form: bound to the page's token, unforgeable without the secret. */
export function formToken(secret: string, pageToken: string): string {
  return truncatedMac(secret, FORM_CONTEXT, pageToken).toString('base64url');
}

export function isFormToken(secret: string, pageToken: string, given: string | undefined): boolean {
  return given !== undefined && macMatches(secret, FORM_CONTEXT, pageToken, given);
}
