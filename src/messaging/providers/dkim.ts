import crypto from 'node:crypto';
import fs from 'node:fs';

/** What nodemailer's `dkim` option takes. */
export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * The headers the signature covers: nodemailer's default list (RFC 6376's
 * suggestions, which has List-Unsubscribe) and List-Unsubscribe-Post, which
 * RFC 8058 wants signed too and the default list lacks.
 */
export const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding',
  'Content-ID', 'Content-Description', 'Resent-Date', 'Resent-From', 'Resent-Sender', 'Resent-To', 'Resent-Cc', 'Resent-Message-ID',
  'In-Reply-To', 'References', 'List-Id', 'List-Help', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post',
  'List-Owner', 'List-Archive',
].join(':');

const NAMES = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const SELECTOR = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/i;

/** PEM text (a one-line env value may spell its line breaks `\n`) or the path of a PEM file. */
function readPem(value: string): string {
  return value.startsWith('-----BEGIN') ? value.replace(/\\n/g, '\n') : fs.readFileSync(value, 'utf8');
}

/**
 * DKIM signing for SMTP mail, from DKIM_DOMAIN, DKIM_SELECTOR and
 * DKIM_PRIVATE_KEY: all three or none. The key is read and checked here, so a
 * bad one is a config error rather than a failure of every send.
 */
export function dkimSettings(env: Record<string, string | undefined>): { dkim?: DkimSettings; problems: string[] } {
  const given = NAMES.filter((n) => env[n] !== undefined);
  if (given.length === 0) return { problems: [] };
  if (given.length < NAMES.length) {
    return { problems: NAMES.filter((n) => env[n] === undefined).map((n) => `${n}: required when ${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'} set (DKIM signing needs all three)`) };
  }
  const problems: string[] = [];
  const domainName = env.DKIM_DOMAIN!;
  const keySelector = env.DKIM_SELECTOR!;
  if (!DOMAIN.test(domainName)) problems.push('DKIM_DOMAIN: must be the domain name the signature is for (e.g. mail.example.com)');
  if (!SELECTOR.test(keySelector)) problems.push('DKIM_SELECTOR: must be a DNS label (or dot-separated labels) naming the key under _domainkey');
  let privateKey = '';
  try {
    privateKey = readPem(env.DKIM_PRIVATE_KEY!);
    // nodemailer signs rsa-sha256 only.
    if (crypto.createPrivateKey(privateKey).asymmetricKeyType !== 'rsa') problems.push('DKIM_PRIVATE_KEY: must be an RSA private key (DKIM rsa-sha256)');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Never echo the value: it may be the key itself.
    problems.push(code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? `DKIM_PRIVATE_KEY: cannot read the key file (${code})` : 'DKIM_PRIVATE_KEY: must be a PEM private key, or the path of a PEM file');
  }
  return problems.length ? { problems } : { dkim: { domainName, keySelector, privateKey }, problems };
}
