import crypto from 'node:crypto';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** True when `candidate` is one of the configured keys (several during a rotation). */
export function isKnownKey(candidate: string | undefined, keys: string[]): boolean {
  return candidate !== undefined && candidate !== '' && keys.some((k) => safeEqual(candidate, k));
}

/**
 * The key in an Authorization header: `Basic base64(key:)` (Segment's form, the
 * key as user name, password empty) or `Bearer key`.
 */
export function keyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (/^bearer$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(0, colon) : decoded;
}

/** Segment Webhooks' shared secret: X-Signature is hex(HMAC-SHA1(key, raw body)). */
export function isValidSignature(raw: Buffer, signature: string | undefined, keys: string[]): boolean {
  if (!signature) return false;
  return keys.some((key) => safeEqual(crypto.createHmac('sha1', key).update(raw).digest('hex'), signature.trim().toLowerCase()));
}
