import crypto from 'node:crypto';
import { isKnownKey, isValidSignature, keyFromAuthorization } from '../../src/http/auth';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
const sign = (key: string, body: Buffer | string) => crypto.createHmac('sha1', key).update(body).digest('hex');

describe('keyFromAuthorization', () => {
  test("Basic base64(key:) — Segment's form — yields the key", () => {
    expect(keyFromAuthorization(basic('hk_live_3f9a:'))).toBe('hk_live_3f9a');
  });

  test('Basic with a password still yields the user name', () => {
    expect(keyFromAuthorization(basic('hk_live_3f9a:ignored'))).toBe('hk_live_3f9a');
  });

  test('Basic without a colon yields the whole decoded value', () => {
    expect(keyFromAuthorization(basic('hk_live_3f9a'))).toBe('hk_live_3f9a');
  });

  test('Bearer yields the token as is', () => {
    expect(keyFromAuthorization('Bearer hk_live_3f9a')).toBe('hk_live_3f9a');
  });

  test('the scheme is case-insensitive', () => {
    expect(keyFromAuthorization('bearer k1')).toBe('k1');
    expect(keyFromAuthorization('BEARER k1')).toBe('k1');
    expect(keyFromAuthorization(`basic ${Buffer.from('k2:').toString('base64')}`)).toBe('k2');
    expect(keyFromAuthorization(`BaSiC ${Buffer.from('k2:').toString('base64')}`)).toBe('k2');
  });

  test('surrounding and repeated whitespace is tolerated', () => {
    expect(keyFromAuthorization('  Bearer    k1  ')).toBe('k1');
  });

  test('a non-ASCII key survives the base64 round trip', () => {
    expect(keyFromAuthorization(basic('clé-ü:'))).toBe('clé-ü');
  });

  test('missing header, unknown scheme or missing value yields undefined', () => {
    expect(keyFromAuthorization(undefined)).toBeUndefined();
    expect(keyFromAuthorization('')).toBeUndefined();
    expect(keyFromAuthorization('   ')).toBeUndefined();
    expect(keyFromAuthorization('Bearer')).toBeUndefined();
    expect(keyFromAuthorization('Basic')).toBeUndefined();
    expect(keyFromAuthorization('Token k1')).toBeUndefined();
    expect(keyFromAuthorization('Digest username="k1"')).toBeUndefined();
    expect(keyFromAuthorization('k1')).toBeUndefined();
  });

  test('garbage after Basic never yields a known key', () => {
    const keys = ['hk_live_3f9a'];
    for (const header of ['Basic !!!!', 'Basic %%%', `Basic ${Buffer.from(':').toString('base64')}`, 'Basic ====']) {
      const key = keyFromAuthorization(header);
      expect(key === undefined || typeof key === 'string').toBe(true);
      expect(isKnownKey(key, keys)).toBe(false);
    }
    expect(keyFromAuthorization(`Basic ${Buffer.from(':secret').toString('base64')}`)).toBe('');
  });
});

describe('isKnownKey', () => {
  test('accepts any key of a rotation list', () => {
    const keys = ['old-key', 'new-key'];
    expect(isKnownKey('old-key', keys)).toBe(true);
    expect(isKnownKey('new-key', keys)).toBe(true);
  });

  test('rejects unknown keys, prefixes, extensions and case changes', () => {
    const keys = ['old-key', 'new-key'];
    expect(isKnownKey('other', keys)).toBe(false);
    expect(isKnownKey('new', keys)).toBe(false);
    expect(isKnownKey('new-key-2', keys)).toBe(false);
    expect(isKnownKey('NEW-KEY', keys)).toBe(false);
    expect(isKnownKey(' new-key', keys)).toBe(false);
  });

  test('rejects an empty or missing candidate, even if an empty key were configured', () => {
    expect(isKnownKey('', ['k1'])).toBe(false);
    expect(isKnownKey('', [''])).toBe(false);
    expect(isKnownKey(undefined, ['k1'])).toBe(false);
  });

  test('no configured keys: nothing is accepted', () => {
    expect(isKnownKey('k1', [])).toBe(false);
  });

  test('works end to end with keyFromAuthorization', () => {
    const keys = ['k-current', 'k-previous'];
    expect(isKnownKey(keyFromAuthorization(basic('k-previous:')), keys)).toBe(true);
    expect(isKnownKey(keyFromAuthorization('Bearer k-current'), keys)).toBe(true);
    expect(isKnownKey(keyFromAuthorization(basic('k-revoked:')), keys)).toBe(false);
  });
});

describe('isValidSignature', () => {
  const body = Buffer.from(JSON.stringify({ type: 'track', userId: 'u1', event: 'Signed Up', messageId: 'm-1' }));
  const key = 'shared-secret';

  test('accepts hex(HMAC-SHA1(key, raw body))', () => {
    const signature = sign(key, body);
    expect(signature).toMatch(/^[0-9a-f]{40}$/);
    expect(isValidSignature(body, signature, [key])).toBe(true);
  });

  test('matches a known HMAC-SHA1 vector (RFC 2202 test case 2)', () => {
    expect(isValidSignature(Buffer.from('what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', ['Jefe'])).toBe(true);
  });

  test('uppercase hex and surrounding whitespace are accepted', () => {
    expect(isValidSignature(body, sign(key, body).toUpperCase(), [key])).toBe(true);
    expect(isValidSignature(body, ` ${sign(key, body)}\n`, [key])).toBe(true);
  });

  test('any key of a rotation list verifies', () => {
    expect(isValidSignature(body, sign('old', body), ['new', 'old'])).toBe(true);
  });

  test('a different body is rejected, even by one byte or whitespace', () => {
    const signature = sign(key, body);
    expect(isValidSignature(Buffer.from(body.toString().replace('u1', 'u2')), signature, [key])).toBe(false);
    expect(isValidSignature(Buffer.concat([body, Buffer.from('\n')]), signature, [key])).toBe(false);
  });

  test('a signature made with another key is rejected', () => {
    expect(isValidSignature(body, sign('not-the-key', body), [key])).toBe(false);
  });

  test('SHA-256 or base64 signatures are not accepted', () => {
    expect(isValidSignature(body, crypto.createHmac('sha256', key).update(body).digest('hex'), [key])).toBe(false);
    expect(isValidSignature(body, crypto.createHmac('sha1', key).update(body).digest('base64'), [key])).toBe(false);
  });

  test('missing, empty, truncated or garbage signatures are rejected without throwing', () => {
    expect(isValidSignature(body, undefined, [key])).toBe(false);
    expect(isValidSignature(body, '', [key])).toBe(false);
    expect(isValidSignature(body, sign(key, body).slice(0, 39), [key])).toBe(false);
    expect(isValidSignature(body, 'zz', [key])).toBe(false);
    expect(isValidSignature(body, 'é'.repeat(40), [key])).toBe(false);
  });

  test('no configured keys: nothing verifies', () => {
    expect(isValidSignature(body, sign(key, body), [])).toBe(false);
  });

  test('the empty body is signable too', () => {
    expect(isValidSignature(Buffer.alloc(0), sign(key, ''), [key])).toBe(true);
  });
});
