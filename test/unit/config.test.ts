import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, loadSecrets, type Config } from '../../src/config';

const SECRETS = { HOMING_API_KEY: 'api-key', HOMING_ADMIN_TOKEN: 'admin-token', TRACKING_SECRET: 'tracking-secret' };
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHkey\n-----END PRIVATE KEY-----';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-config-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).toBe(err.problems.join('\n'));
    return err.problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('defaults', () => {
  test('an environment with only the secrets gives the documented defaults', () => {
    const config: Config = loadConfig({ ...SECRETS });
    expect(config).toEqual({
      port: 3000,
      dataDir: path.resolve('./.homing'),
      databaseUrl: undefined,
      workflowCacheSize: 250,
      automationsPath: undefined,
      defaultTimezone: 'UTC',
      consent: { sendingHours: { sms: { from: '08:00', until: '21:00' } }, frequencyCaps: [], traits: [] },
      temporal: { address: undefined, namespace: 'default', taskQueue: 'homing', apiKey: undefined, tls: undefined },
      apiKeys: ['api-key'],
      adminToken: 'admin-token',
      publicUrl: 'http://localhost:3000',
      trackingSecret: 'tracking-secret',
      email: {
        provider: 'mailbox',
        from: 'Homing <noreply@localhost>',
        smtpUrl: undefined,
        sendgridApiKey: undefined,
        sendgridApiUrl: 'https://api.sendgrid.com',
      },
      sms: {
        provider: 'mailbox',
        twilioAccountSid: undefined,
        twilioAuthToken: undefined,
        twilioFrom: undefined,
        twilioApiUrl: 'https://api.twilio.com',
      },
      whatsapp: { provider: 'mailbox', from: undefined },
      slack: { provider: 'mailbox', botToken: undefined, apiUrl: 'https://slack.com/api' },
      segment: { writeKey: undefined, apiHost: 'https://api.segment.io' },
      engagement: { machineClickSeconds: 5, countMachine: false },
      logLevel: 'info',
    });
  });

  test('consent settings: sending hours per channel (none turns them off), frequency caps, consent traits', () => {
    const config = loadConfig({ ...SECRETS, SENDING_HOURS: 'sms=09:00-20:00, whatsapp=22:00-06:00', FREQUENCY_CAPS: 'email=3/7d,sms=1/12h', CONSENT_TRAITS: 'email=news_ok,sms/offers=offers_ok' });
    expect(config.consent).toEqual({
      sendingHours: { sms: { from: '09:00', until: '20:00' }, whatsapp: { from: '22:00', until: '06:00' } },
      frequencyCaps: [
        { channel: 'email', limit: 3, period: '7d', seconds: 604_800 },
        { channel: 'sms', limit: 1, period: '12h', seconds: 43_200 },
      ],
      traits: [
        { trait: 'news_ok', channel: 'email', topic: '' },
        { trait: 'offers_ok', channel: 'sms', topic: 'offers' },
      ],
    });
    expect(loadConfig({ ...SECRETS, SENDING_HOURS: 'none' }).consent.sendingHours).toEqual({});
    expect(problemsOf({ ...SECRETS, SENDING_HOURS: 'sms=8-21' })).toEqual([expect.stringMatching(/^SENDING_HOURS: "sms=8-21" is not like sms=08:00-21:00/)]);
    expect(problemsOf({ ...SECRETS, SENDING_HOURS: 'fax=08:00-21:00' })).toEqual([expect.stringMatching(/^SENDING_HOURS: .*channels: email, sms/)]);
    expect(problemsOf({ ...SECRETS, FREQUENCY_CAPS: 'email=0/1d' })).toEqual([expect.stringMatching(/^FREQUENCY_CAPS: "email=0\/1d" is not like email=3\/7d/)]);
    expect(problemsOf({ ...SECRETS, CONSENT_TRAITS: 'email' })).toEqual([expect.stringMatching(/^CONSENT_TRAITS: "email" is not like/)]);
  });

  test('HOST unset: the API listens on all interfaces; set: on that address', () => {
    expect(loadConfig({ ...SECRETS }).host).toBeUndefined();
    expect(loadConfig({ ...SECRETS, HOST: ' 127.0.0.1 ' }).host).toBe('127.0.0.1');
  });

  test('PUBLIC_URL defaults to http://localhost:$PORT', () => {
    expect(loadConfig({ ...SECRETS, PORT: '8080' })).toMatchObject({ port: 8080, publicUrl: 'http://localhost:8080' });
  });

  test('PUBLIC_URL, when set, wins over the default and loses its trailing slashes', () => {
    expect(loadConfig({ ...SECRETS, PORT: '8080', PUBLIC_URL: 'https://homing.example.com/' }).publicUrl).toBe('https://homing.example.com');
    expect(loadConfig({ ...SECRETS, PUBLIC_URL: 'https://example.com/homing//' }).publicUrl).toBe('https://example.com/homing');
  });

  test('empty or blank optional variables count as unset', () => {
    const config = loadConfig({ ...SECRETS, DATABASE_URL: '', TEMPORAL_ADDRESS: '  ', PUBLIC_URL: '', SEGMENT_WRITE_KEY: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.segment.writeKey).toBeUndefined();
  });

  test('every variable is read', () => {
    const dataDir = tempDir();
    const config = loadConfig({
      PORT: '4100',
      HOMING_DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://homing:pw@db.internal:5432/homing',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'homing-prod',
      TEMPORAL_API_KEY: 'tk',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA: PEM_CERT,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
      TEMPORAL_TLS_CERT: PEM_CERT,
      TEMPORAL_TLS_KEY: PEM_KEY,
      HOMING_API_KEY: 'k1',
      HOMING_ADMIN_TOKEN: 'adm',
      TRACKING_SECRET: 'trk',
      EMAIL_PROVIDER: 'smtp',
      EMAIL_FROM: 'Acme <hello@acme.test>',
      SMTP_URL: 'smtp://user:pass@mail.acme.test:587',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'auth',
      TWILIO_FROM: '+15550100',
      TWILIO_API_URL: 'http://127.0.0.1:9999',
      SEGMENT_WRITE_KEY: 'wk',
      SEGMENT_API_HOST: 'https://events.eu1.segmentapis.com',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 4100,
      dataDir,
      databaseUrl: 'postgres://homing:pw@db.internal:5432/homing',
      temporal: {
        address: 'temporal.internal:7233',
        namespace: 'prod',
        taskQueue: 'homing-prod',
        apiKey: 'tk',
        tls: { ca: PEM_CERT, serverName: 'temporal.example', cert: PEM_CERT, key: PEM_KEY },
      },
      apiKeys: ['k1'],
      adminToken: 'adm',
      trackingSecret: 'trk',
      publicUrl: 'http://localhost:4100',
      email: { provider: 'smtp', from: 'Acme <hello@acme.test>', smtpUrl: 'smtp://user:pass@mail.acme.test:587' },
      sms: { provider: 'twilio', twilioAccountSid: 'AC123', twilioAuthToken: 'auth', twilioFrom: '+15550100', twilioApiUrl: 'http://127.0.0.1:9999' },
      segment: { writeKey: 'wk', apiHost: 'https://events.eu1.segmentapis.com' },
      logLevel: 'debug',
    });
    // every secret came from the environment: nothing generated
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
  });

  test('sendgrid with its key is valid', () => {
    const config = loadConfig({ ...SECRETS, EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: 'SG.x' });
    expect(config.email).toMatchObject({ provider: 'sendgrid', sendgridApiKey: 'SG.x', sendgridApiUrl: 'https://api.sendgrid.com' });
  });
});

describe('HOMING_API_KEY', () => {
  test('a comma-separated list becomes the rotation list, trimmed, empties dropped', () => {
    expect(loadConfig({ ...SECRETS, HOMING_API_KEY: 'new-key, old-key ,,older-key' }).apiKeys).toEqual(['new-key', 'old-key', 'older-key']);
  });

  test('a single key is a list of one', () => {
    expect(loadConfig({ ...SECRETS, HOMING_API_KEY: ' only-key ' }).apiKeys).toEqual(['only-key']);
  });
});

describe('invalid configuration', () => {
  test.each([['abc'], ['-1'], ['70000'], ['3000.5']])('PORT=%s is a problem naming PORT', (port) => {
    const problems = problemsOf({ ...SECRETS, PORT: port });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PORT: /);
  });

  test('an unknown EMAIL_PROVIDER is a problem naming EMAIL_PROVIDER', () => {
    const problems = problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'mailgun' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^EMAIL_PROVIDER: /);
    expect(problems[0]).toContain('smtp');
  });

  test('EMAIL_PROVIDER=smtp without SMTP_URL', () => {
    expect(problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'smtp' })).toEqual(['SMTP_URL: required when EMAIL_PROVIDER=smtp']);
    expect(problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'smtp', SMTP_URL: '  ' })).toEqual(['SMTP_URL: required when EMAIL_PROVIDER=smtp']);
  });

  test('a malformed SMTP_URL names SMTP_URL', () => {
    const problems = problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'not a url' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SMTP_URL: /);
  });

  test('EMAIL_PROVIDER=sendgrid without SENDGRID_API_KEY', () => {
    expect(problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'sendgrid' })).toEqual(['SENDGRID_API_KEY: required when EMAIL_PROVIDER=sendgrid']);
  });

  test('SMS_PROVIDER=twilio without credentials: one line per missing variable', () => {
    expect(problemsOf({ ...SECRETS, SMS_PROVIDER: 'twilio' })).toEqual([
      'TWILIO_ACCOUNT_SID: required when SMS_PROVIDER=twilio',
      'TWILIO_AUTH_TOKEN: required when SMS_PROVIDER=twilio',
      'TWILIO_FROM: required when SMS_PROVIDER=twilio',
    ]);
    expect(problemsOf({ ...SECRETS, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_FROM: '+1555' })).toEqual([
      'TWILIO_AUTH_TOKEN: required when SMS_PROVIDER=twilio',
    ]);
  });

  test('WHATSAPP_PROVIDER=twilio needs the Twilio account, token and TWILIO_WHATSAPP_FROM; SLACK_PROVIDER=slack needs nothing more', () => {
    expect(problemsOf({ ...SECRETS, WHATSAPP_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_FROM: '+1555' })).toEqual([
      'TWILIO_AUTH_TOKEN: required when WHATSAPP_PROVIDER=twilio',
      'TWILIO_WHATSAPP_FROM: required when WHATSAPP_PROVIDER=twilio',
    ]);
    expect(loadConfig({ ...SECRETS, SLACK_PROVIDER: 'slack', SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack).toEqual({ provider: 'slack', botToken: undefined, apiUrl: 'http://127.0.0.1:9/api' });
    expect(problemsOf({ ...SECRETS, SLACK_PROVIDER: 'teams' })[0]).toMatch(/^SLACK_PROVIDER: /);
  });

  test('a TLS cert without its key, or a key without its cert', () => {
    for (const env of [{ TEMPORAL_TLS_CERT: PEM_CERT }, { TEMPORAL_TLS_KEY: PEM_KEY }]) {
      const problems = problemsOf({ ...SECRETS, ...env });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('TEMPORAL_TLS_CERT');
      expect(problems[0]).toContain('TEMPORAL_TLS_KEY');
    }
  });

  test('several variable problems at once: one line each, each naming its variable', () => {
    const problems = problemsOf({ ...SECRETS, PORT: 'http', EMAIL_PROVIDER: 'pigeon', LOG_LEVEL: 'loud', DATABASE_URL: 'nope' });
    expect(problems).toHaveLength(4);
    for (const variable of ['PORT', 'EMAIL_PROVIDER', 'LOG_LEVEL', 'DATABASE_URL']) {
      expect(problems.filter((p) => p.startsWith(`${variable}: `))).toHaveLength(1);
    }
  });

  test('several provider problems at once: one line each', () => {
    const problems = problemsOf({ ...SECRETS, EMAIL_PROVIDER: 'smtp', SMS_PROVIDER: 'twilio', TEMPORAL_TLS_CERT: PEM_CERT });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^SMTP_URL: /);
    expect(problems.filter((p) => p.startsWith('TWILIO_'))).toHaveLength(3);
    expect(problems[4]).toMatch(/^TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: /);
    for (const p of problems) expect(p).not.toContain('\n');
  });

  test('an invalid config generates no secrets', () => {
    const dataDir = tempDir();
    problemsOf({ HOMING_DATA_DIR: dataDir, PORT: 'x' });
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
  });
});

describe('generated secrets', () => {
  test('are generated once into the data dir and reused by the next start', () => {
    const dataDir = tempDir();
    const first = loadConfig({ HOMING_DATA_DIR: dataDir });
    const file = path.join(dataDir, 'secrets.json');
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;

    expect(first.apiKeys).toHaveLength(1);
    expect(first.apiKeys[0]).toBe(stored.apiKey);
    expect(first.adminToken).toBe(stored.adminToken);
    expect(first.trackingSecret).toBe(stored.trackingSecret);
    for (const secret of [first.apiKeys[0], first.adminToken, first.trackingSecret]) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
    expect(new Set([first.apiKeys[0], first.adminToken, first.trackingSecret]).size).toBe(3);

    const before = fs.readFileSync(file, 'utf8');
    const second = loadConfig({ HOMING_DATA_DIR: dataDir });
    expect(second.apiKeys).toEqual(first.apiKeys);
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.trackingSecret).toBe(first.trackingSecret);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  test('different data dirs get different secrets', () => {
    const a = loadConfig({ HOMING_DATA_DIR: tempDir() });
    const b = loadConfig({ HOMING_DATA_DIR: tempDir() });
    expect(a.adminToken).not.toBe(b.adminToken);
    expect(a.apiKeys).not.toEqual(b.apiKeys);
  });

  test('the embedded Postgres password is generated on request, kept beside the others, and only readable by the owner', () => {
    const dataDir = path.join(tempDir(), 'data');
    const config = loadConfig({ HOMING_DATA_DIR: dataDir });
    const { postgresPassword } = loadSecrets(dataDir, ['postgresPassword']);
    expect(postgresPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(loadSecrets(dataDir, ['postgresPassword']).postgresPassword).toBe(postgresPassword);
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(stored).toEqual({ apiKey: config.apiKeys[0], adminToken: config.adminToken, trackingSecret: config.trackingSecret, postgresPassword });
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  test('the data dir is created when missing', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const config = loadConfig({ HOMING_DATA_DIR: dataDir });
    expect(config.dataDir).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(true);
  });

  test('environment values win over stored ones; the rest still come from the file', () => {
    const dataDir = tempDir();
    const generated = loadConfig({ HOMING_DATA_DIR: dataDir });
    const config = loadConfig({ HOMING_DATA_DIR: dataDir, HOMING_API_KEY: 'from-env-1,from-env-2' });
    expect(config.apiKeys).toEqual(['from-env-1', 'from-env-2']);
    expect(config.adminToken).toBe(generated.adminToken);
    expect(config.trackingSecret).toBe(generated.trackingSecret);
  });

  test('a secret missing from the stored file is generated and added, the others kept', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ apiKey: 'stored-api-key', adminToken: 'stored-admin' }));
    const config = loadConfig({ HOMING_DATA_DIR: dataDir });
    expect(config.apiKeys).toEqual(['stored-api-key']);
    expect(config.adminToken).toBe('stored-admin');
    expect(config.trackingSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(stored).toEqual({ apiKey: 'stored-api-key', adminToken: 'stored-admin', trackingSecret: config.trackingSecret });
    expect(loadConfig({ HOMING_DATA_DIR: dataDir }).trackingSecret).toBe(config.trackingSecret);
  });
});

describe('edge cases of the environment', () => {
  test('a blank variable (PORT= in .env) counts as unset', () => {
    expect(loadConfig({ ...SECRETS, PORT: '', DATABASE_URL: ' ' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  test('PORT takes decimal digits only', () => {
    expect(problemsOf({ ...SECRETS, PORT: '0x10' })).toEqual(['PORT: must be a port number (0-65535)']);
    expect(problemsOf({ ...SECRETS, PORT: '1e3' })).toEqual(['PORT: must be a port number (0-65535)']);
  });

  test('type problems and provider problems are reported together', () => {
    const problems = problemsOf({ ...SECRETS, PORT: 'abc', EMAIL_PROVIDER: 'smtp' });
    expect(problems).toEqual([expect.stringMatching(/^PORT: /), 'SMTP_URL: required when EMAIL_PROVIDER=smtp']);
  });

  test('an API key list with no key in it is a problem', () => {
    expect(problemsOf({ ...SECRETS, HOMING_API_KEY: ' , ' })).toEqual(['HOMING_API_KEY: no key in the comma-separated list']);
  });

  test('a corrupt secrets.json is a configuration problem naming the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'secrets.json'), '{not json');
    const problems = problemsOf({ HOMING_DATA_DIR: dir });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(path.join(dir, 'secrets.json'));
  });
});

describe('TRACKING_LINK_HOSTS', () => {
  test('unset: every link host is tracked', () => {
    expect(loadConfig({ ...SECRETS }).trackingLinkHosts).toBeUndefined();
  });

  test('a comma-separated list of hosts and *.domain patterns, lower-cased, IDN as punycode', () => {
    expect(loadConfig({ ...SECRETS, TRACKING_LINK_HOSTS: 'Example.com, *.example.org ,bücher.example' }).trackingLinkHosts).toEqual([
      'example.com',
      '*.example.org',
      'xn--bcher-kva.example',
    ]);
  });

  test.each([['https://example.com'], ['example.com/path'], ['example.com:8080'], ['*'], ['ex*.com'], [' , ']])('%s is a problem naming TRACKING_LINK_HOSTS', (value) => {
    const problems = problemsOf({ ...SECRETS, TRACKING_LINK_HOSTS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRACKING_LINK_HOSTS: /);
  });
});

describe('DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY', () => {
  const rsa = () => crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const DKIM = { DKIM_DOMAIN: 'mail.example.com', DKIM_SELECTOR: 's2026' };

  test('unset: mail is not signed', () => {
    expect(loadConfig({ ...SECRETS }).email.dkim).toBeUndefined();
  });

  test('the key as PEM text (line breaks as-is or as \\n), or as the path of a PEM file', () => {
    const pem = rsa();
    const expected = { domainName: 'mail.example.com', keySelector: 's2026', privateKey: pem.trim() };
    expect(loadConfig({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: pem }).email.dkim).toEqual(expected);
    expect(loadConfig({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') }).email.dkim).toEqual(expected);
    const file = path.join(tempDir(), 'dkim.pem');
    fs.writeFileSync(file, pem);
    expect(loadConfig({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: file }).email.dkim).toEqual({ ...expected, privateKey: pem });
  });

  test('one or two of the three: each missing one is a problem', () => {
    expect(problemsOf({ ...SECRETS, DKIM_DOMAIN: 'mail.example.com' })).toEqual([
      'DKIM_SELECTOR: required when DKIM_DOMAIN is set (DKIM signing needs all three)',
      'DKIM_PRIVATE_KEY: required when DKIM_DOMAIN is set (DKIM signing needs all three)',
    ]);
    expect(problemsOf({ ...SECRETS, ...DKIM })).toEqual(['DKIM_PRIVATE_KEY: required when DKIM_DOMAIN and DKIM_SELECTOR are set (DKIM signing needs all three)']);
  });

  test('a bad domain, selector or key is a problem that never shows the key', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problemsOf({ ...SECRETS, DKIM_DOMAIN: 'not a domain', DKIM_SELECTOR: 'a/b', DKIM_PRIVATE_KEY: rsa() })).toEqual([
      'DKIM_DOMAIN: must be the domain name the signature is for (e.g. mail.example.com)',
      'DKIM_SELECTOR: must be a DNS label (or dot-separated labels) naming the key under _domainkey',
    ]);
    expect(problemsOf({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: ec })).toEqual(['DKIM_PRIVATE_KEY: must be an RSA private key (DKIM rsa-sha256)']);
    expect(problemsOf({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: PEM_KEY })).toEqual(['DKIM_PRIVATE_KEY: must be a PEM private key, or the path of a PEM file']);
    expect(problemsOf({ ...SECRETS, ...DKIM, DKIM_PRIVATE_KEY: path.join(tempDir(), 'missing.pem') })).toEqual(['DKIM_PRIVATE_KEY: cannot read the key file (ENOENT)']);
  });
});

describe('UNSUBSCRIBE_MAILTO', () => {
  test('unset: List-Unsubscribe has the https URL only', () => {
    expect(loadConfig({ ...SECRETS }).email.unsubscribeMailto).toBeUndefined();
    expect(loadConfig({ ...SECRETS, UNSUBSCRIBE_MAILTO: 'unsubscribe@mail.example.com' }).email.unsubscribeMailto).toBe('unsubscribe@mail.example.com');
  });

  test.each([['not-an-address'], ['a@b'], ['x?subject=hi@example.com'], ['Name <a@example.com>'], ['ü@example.com']])('%s is a problem', (value) => {
    expect(problemsOf({ ...SECRETS, UNSUBSCRIBE_MAILTO: value })).toEqual(['UNSUBSCRIBE_MAILTO: must be a plain ASCII email address (the mailbox that receives unsubscribe mail)']);
  });
});

describe('ENGAGEMENT_MACHINE_CLICK_SECONDS, ENGAGEMENT_COUNT_MACHINE', () => {
  test('unset: clicks within 5 s of delivery are machine, and machine engagement does not count', () => {
    expect(loadConfig({ ...SECRETS }).engagement).toEqual({ machineClickSeconds: 5, countMachine: false });
  });

  test('a whole number of seconds (0 turns the timing rule off); true makes machine engagement count', () => {
    expect(loadConfig({ ...SECRETS, ENGAGEMENT_MACHINE_CLICK_SECONDS: '10', ENGAGEMENT_COUNT_MACHINE: 'true' }).engagement).toEqual({ machineClickSeconds: 10, countMachine: true });
    expect(loadConfig({ ...SECRETS, ENGAGEMENT_MACHINE_CLICK_SECONDS: '0', ENGAGEMENT_COUNT_MACHINE: 'false' }).engagement).toEqual({ machineClickSeconds: 0, countMachine: false });
  });

  test.each([['5s'], ['-1'], ['1.5'], ['3601']])('ENGAGEMENT_MACHINE_CLICK_SECONDS=%s is a problem', (value) => {
    expect(problemsOf({ ...SECRETS, ENGAGEMENT_MACHINE_CLICK_SECONDS: value })).toEqual(['ENGAGEMENT_MACHINE_CLICK_SECONDS: must be a whole number of seconds from 0 to 3600']);
  });

  test('ENGAGEMENT_COUNT_MACHINE=yes is a problem', () => {
    expect(problemsOf({ ...SECRETS, ENGAGEMENT_COUNT_MACHINE: 'yes' })).toEqual(['ENGAGEMENT_COUNT_MACHINE: must be true or false']);
  });
});
