import crypto from 'node:crypto';

// Each kind of token has its own MAC context, so one kind is never accepted as another.
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The truncated HMAC-SHA256 of `context` + `text`, keyed with the secret. */
export function truncatedMac(secret: string, context: string, text: string): Buffer {
  return crypto.createHmac('sha256', secret).update(context + text).digest().subarray(0, MAC_BYTES);
}

/** A compact, URL-safe token: base64url(JSON value) "." base64url(truncated HMAC-SHA256). The caller fixes the key order. */
export function signValue(secret: string, context: string, value: unknown): string {
  const payloadPart = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${payloadPart}.${truncatedMac(secret, context, payloadPart).toString('base64url')}`;
}

/** True when `macPart` is the canonical base64url spelling of the MAC of `text`. */
export function macMatches(secret: string, context: string, text: string, macPart: string): boolean {
  if (!BASE64URL.test(macPart)) return false;
  const given = Buffer.from(macPart, 'base64url');
  // Only the canonical spelling: base64url has several for the same bytes, and each would be an altered token.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== macPart) return false;
  return crypto.timingSafeEqual(given, truncatedMac(secret, context, text));
}

/** The JSON value of a token this secret signed in this context, or undefined for anything else (the caller checks its shape). */
export function readSignedValue(secret: string, context: string, token: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payloadPart, macPart] = parts as [string, string];
  if (!BASE64URL.test(payloadPart) || !macMatches(secret, context, payloadPart, macPart)) return undefined;
  try {
    return JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
