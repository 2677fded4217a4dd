/**
 * Recipient addresses from profile traits, which event data sets: each must
 * name exactly one recipient, or a provider that parses address lists (SMTP
 * headers, nodemailer) could be made to send to others as well.
 */

/** RFC 5321's limit on a forward path; the local part is at most 64. */
export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;

// RFC 5322 atext, plus letters and digits of any script (SMTPUTF8). No quotes, comments, brackets, blanks or list separators.
const LOCAL_PART = /^[\p{L}\p{N}\p{M}!#$%&'*+\-/=?^_`{|}~]+(?:\.[\p{L}\p{N}\p{M}!#$%&'*+\-/=?^_`{|}~]+)*$/u;
// Host names only (one label or more, no trailing dot): no address literals.
const DOMAIN = /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?(?:\.[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?)*$/u;

/** The address if `raw` is exactly one plain addr-spec (`local@domain`, no display name), else undefined. */
export function emailAddress(raw: string): string | undefined {
  if (raw.length > MAX_EMAIL_LENGTH) return undefined;
  const at = raw.indexOf('@');
  if (at < 0 || at !== raw.lastIndexOf('@')) return undefined;
  const local = raw.slice(0, at);
  const domain = raw.slice(at + 1);
  if (local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) return undefined;
  return raw;
}

// Separators people write in phone numbers; anything else (letters, commas, line breaks) makes the number invalid.
const PHONE_SEPARATORS = /[ ().-]/g;
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * The number in E.164 (`+`, country code, 8 to 15 digits in all) once spaces,
 * dots, dashes and parentheses are removed, else undefined. National numbers
 * (without `+`) are refused: the country they belong to is unknown.
 */
export function phoneNumber(raw: string): string | undefined {
  const number = raw.replace(PHONE_SEPARATORS, '');
  return E164.test(number) ? number : undefined;
}
