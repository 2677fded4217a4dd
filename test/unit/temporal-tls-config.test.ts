import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

/** TEMPORAL_TLS, TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_SERVER_NAME, as loadConfig reads them. */
const SECRETS = { HOMING_API_KEY: 'api-key', HOMING_ADMIN_TOKEN: 'admin-token', TRACKING_SECRET: 'tracking-secret' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-tls-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('Temporal TLS', () => {
  const ADDRESS = { TEMPORAL_ADDRESS: 'temporal.internal:7233' };
  const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHkey\n-----END PRIVATE KEY-----\n';
  const tlsOf = (env: NodeJS.ProcessEnv) => loadConfig({ ...SECRETS, ...ADDRESS, ...env }).temporal.tls;

  test('off unless asked for; TEMPORAL_TLS=true turns it on with no other setting (a frontend with a public certificate)', () => {
    expect(tlsOf({})).toBeUndefined();
    expect(tlsOf({ TEMPORAL_TLS: 'true' })).toEqual({});
  });

  test('on by default when any other TLS setting or TEMPORAL_API_KEY is set; TEMPORAL_TLS=false keeps an API key in plaintext', () => {
    expect(tlsOf({ TEMPORAL_API_KEY: 'tk' })).toEqual({});
    expect(tlsOf({ TEMPORAL_TLS_SERVER_NAME: 'temporal.example' })).toEqual({ serverName: 'temporal.example' });
    expect(tlsOf({ TEMPORAL_TLS_CA: CA })).toEqual({ ca: CA.trim() });
    expect(tlsOf({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY })).toEqual({ cert: CERT.trim(), key: KEY.trim() });
    expect(tlsOf({ TEMPORAL_API_KEY: 'tk', TEMPORAL_TLS: 'false' })).toBeUndefined();
  });

  test('TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY take PEM contents or the path of a PEM file', () => {
    for (const [name, pem] of [['ca.pem', CA], ['client.pem', CERT], ['client.key', KEY]] as const) fs.writeFileSync(path.join(dir, name), pem);
    const tls = tlsOf({ TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'), TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key') });
    expect(tls).toEqual({ ca: CA, cert: CERT, key: KEY });
  });

  test('the embedded dev server speaks plaintext: TLS settings apply to TEMPORAL_ADDRESS only', () => {
    expect(loadConfig({ ...SECRETS, TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA: CA }).temporal.tls).toBeUndefined();
  });

  test('problems: one line each, naming the variable', () => {
    fs.writeFileSync(path.join(dir, 'not-pem.txt'), 'hello');
    const problems = problemsOf({
      ...SECRETS,
      ...ADDRESS,
      TEMPORAL_TLS: 'yes',
      TEMPORAL_TLS_CA: path.join(dir, 'missing.pem'),
      TEMPORAL_TLS_CERT: path.join(dir, 'not-pem.txt'),
      TEMPORAL_TLS_KEY: KEY,
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^TEMPORAL_TLS: must be true or false/);
    expect(problems[1]).toBe('TEMPORAL_TLS_CA: neither PEM contents (-----BEGIN ...) nor the path of a readable file (ENOENT)');
    expect(problems[2]).toBe('TEMPORAL_TLS_CERT: the file it names holds no PEM block (-----BEGIN ...)');
    for (const p of problems) expect(p).not.toContain('\n');
  });

  test('a key that is neither PEM nor a file (e.g. base64 of a PEM) is never repeated in the error', () => {
    const secret = Buffer.from(KEY).toString('base64');
    const problems = problemsOf({ ...SECRETS, ...ADDRESS, TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: secret });
    expect(problems).toEqual(['TEMPORAL_TLS_KEY: neither PEM contents (-----BEGIN ...) nor the path of a readable file (ENOENT)']);
    expect(problems.join()).not.toContain(secret.slice(0, 12));
  });

  test('TEMPORAL_TLS=false with TLS settings is a contradiction', () => {
    const problems = problemsOf({ ...SECRETS, ...ADDRESS, TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: CA, TEMPORAL_TLS_SERVER_NAME: 'x' });
    expect(problems).toEqual(['TEMPORAL_TLS: false, but TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME are set; remove them or turn TLS on']);
  });
});

describe('DATABASE_POOL_SIZE', () => {
  it('takes a whole number of connections from 1 to 500', () => {
    expect(loadConfig({ ...SECRETS, DATABASE_POOL_SIZE: '25' }).databasePoolSize).toBe(25);
    expect(loadConfig({ ...SECRETS, DATABASE_POOL_SIZE: ' ' }).databasePoolSize).toBeUndefined();
  });

  it.each(['0', '-3', '2.5', 'ten', '501'])('refuses %s, naming the range', (value) => {
    expect(problemsOf({ ...SECRETS, DATABASE_POOL_SIZE: value })).toEqual(['DATABASE_POOL_SIZE: must be a whole number of connections from 1 to 500']);
  });
});
