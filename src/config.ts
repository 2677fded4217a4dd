import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { z } from 'zod';
import { sendgridPublicKey } from './webhooks/sendgrid';
import { hostPattern } from './messaging/tracking';
import { DEFAULT_ENGAGEMENT_POLICY, type EngagementPolicy } from './messaging/engagement-classification';
import { temporalTls, type TemporalTls } from './temporal/tls-settings';
import { dkimSettings, type DkimSettings } from './messaging/providers/dkim';
import { isTimeZone } from '../workflows/local-time';
import { consentTraitsSetting, DEFAULT_SENDING_HOURS, frequencyCapsSetting, sendingHoursSetting, type ConsentSettings } from './consent/settings';

/** Thrown when the environment cannot be turned into a valid config; one message line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const optional = z.string().optional();

/**
 * The sticky cache's default: each cached run costs the worker 0.2–0.3 MiB,
 * and a run evicted from it replays its six-event history when it wakes (tens
 * of ms; BENCHMARKS.md section 5), so 10,000 parked runs stay under 500 MiB.
 * (The SDK's own default grows with the heap limit: 2,310 workflows, ~1 GiB.)
 */
export const DEFAULT_WORKFLOW_CACHE_SIZE = 250;

/** A whole number from `min` to `max`; `problem` names the unit, e.g. 'must be a whole number of connections from 1 to 500'. */
const wholeNumber = (min: number, max: number, problem: string) =>
  z.string().regex(/^\d+$/, problem).transform(Number).pipe(z.number().min(min, problem).max(max, problem));

const url = (what: string) =>
  z.string().refine((v) => URL.canParse(v), { message: `must be a URL (${what})` });

const envSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number (0-65535)')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be a port number (0-65535)'))
    .default(3000),
  HOST: optional,
  HOMING_DATA_DIR: z.string().default('./.homing'),
  DATABASE_URL: url('postgres://user:pass@host:5432/db').optional(),
  DATABASE_POOL_SIZE: wholeNumber(1, 500, 'must be a whole number of connections from 1 to 500').optional(),
  // The SDK needs at least 2 when caching at all; 0 turns the cache off.
  HOMING_WORKFLOW_CACHE_SIZE: wholeNumber(0, 100_000, 'must be 0 or a whole number of workflows from 2 to 100000')
    .refine((n) => n !== 1, 'must be 0 or a whole number of workflows from 2 to 100000')
    .default(DEFAULT_WORKFLOW_CACHE_SIZE),
  HOMING_AUTOMATIONS: optional,
  HOMING_DEFAULT_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone, like "Europe/Berlin" or "UTC"')
    .default('UTC'),
  SENDING_HOURS: sendingHoursSetting.default(sendingHoursSetting.parse(DEFAULT_SENDING_HOURS)),
  FREQUENCY_CAPS: frequencyCapsSetting.default([]),
  CONSENT_TRAITS: consentTraitsSetting.default([]),
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('homing'),
  TEMPORAL_API_KEY: optional,
  // TEMPORAL_TLS_CA, _CERT, _KEY and _SERVER_NAME are read by temporalTls().
  TEMPORAL_TLS: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  TEMPORAL_UI_URL: url('http://host:port').optional(),
  HOMING_API_KEY: optional,
  HOMING_ADMIN_TOKEN: optional,
  PUBLIC_URL: url('http://host:port').optional(),
  TRACKING_SECRET: optional,
  TRACKING_LINK_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .refine((patterns) => patterns.length > 0 && patterns.every((p) => hostPattern(p)), {
      message: 'must be comma-separated host names or *.domain patterns (e.g. example.com,*.example.com)',
    })
    .transform((patterns) => patterns.map((p) => hostPattern(p)!))
    .optional(),
  EMAIL_PROVIDER: z.enum(['mailbox', 'smtp', 'sendgrid']).default('mailbox'),
  EMAIL_FROM: z.string().min(1).default('Homing <noreply@localhost>'),
  SMTP_URL: url('smtp://user:pass@host:port').optional(),
  // DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are read by dkimSettings().
  // Goes into a mailto: URI as it is, so plain ASCII only.
  UNSUBSCRIBE_MAILTO: z
    .string()
    .regex(/^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/, 'must be a plain ASCII email address (the mailbox that receives unsubscribe mail)')
    .optional(),
  SENDGRID_API_KEY: optional,
  SENDGRID_API_URL: url('https://api.sendgrid.com').default('https://api.sendgrid.com'),
  SENDGRID_WEBHOOK_PUBLIC_KEY: z
    .string()
    .refine((v) => sendgridPublicKey(v) !== undefined, { message: 'must be the base64 P-256 public key SendGrid shows for its Signed Event Webhook' })
    .optional(),
  SMS_PROVIDER: z.enum(['mailbox', 'twilio']).default('mailbox'),
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  TWILIO_FROM: optional,
  TWILIO_API_URL: url('https://api.twilio.com').default('https://api.twilio.com'),
  WHATSAPP_PROVIDER: z.enum(['mailbox', 'twilio']).default('mailbox'),
  TWILIO_WHATSAPP_FROM: optional,
  SLACK_PROVIDER: z.enum(['mailbox', 'slack']).default('mailbox'),
  SLACK_BOT_TOKEN: optional,
  SLACK_API_URL: url('https://slack.com/api').default('https://slack.com/api'),
  SEGMENT_WRITE_KEY: optional,
  SEGMENT_API_HOST: url('https://api.segment.io').default('https://api.segment.io'),
  ENGAGEMENT_MACHINE_CLICK_SECONDS: wholeNumber(0, 3600, 'must be a whole number of seconds from 0 to 3600').default(DEFAULT_ENGAGEMENT_POLICY.machineClickSeconds),
  ENGAGEMENT_COUNT_MACHINE: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .default(DEFAULT_ENGAGEMENT_POLICY.countMachine),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = z.infer<typeof envSchema>;
type RawEnv = Record<string, string | undefined>;

/** Settings that are required only when a provider that needs them is chosen (read from the raw env, so they are reported alongside type problems). */
function providerProblems(env: RawEnv): string[] {
  const needs: Array<[boolean, string, string]> = [
    [env.EMAIL_PROVIDER === 'smtp', 'SMTP_URL', 'EMAIL_PROVIDER=smtp'],
    [env.EMAIL_PROVIDER === 'sendgrid', 'SENDGRID_API_KEY', 'EMAIL_PROVIDER=sendgrid'],
    [env.SMS_PROVIDER === 'twilio', 'TWILIO_ACCOUNT_SID', 'SMS_PROVIDER=twilio'],
    [env.SMS_PROVIDER === 'twilio', 'TWILIO_AUTH_TOKEN', 'SMS_PROVIDER=twilio'],
    [env.SMS_PROVIDER === 'twilio', 'TWILIO_FROM', 'SMS_PROVIDER=twilio'],
    [env.WHATSAPP_PROVIDER === 'twilio', 'TWILIO_ACCOUNT_SID', 'WHATSAPP_PROVIDER=twilio'],
    [env.WHATSAPP_PROVIDER === 'twilio', 'TWILIO_AUTH_TOKEN', 'WHATSAPP_PROVIDER=twilio'],
    [env.WHATSAPP_PROVIDER === 'twilio', 'TWILIO_WHATSAPP_FROM', 'WHATSAPP_PROVIDER=twilio'],
  ];
  const problems = needs.filter(([applies, key]) => applies && !env[key]).map(([, key, why]) => `${key}: required when ${why}`);
  if (env.HOMING_API_KEY !== undefined && !env.HOMING_API_KEY.split(',').some((k) => k.trim())) {
    problems.push('HOMING_API_KEY: no key in the comma-separated list');
  }
  return problems;
}

export interface Config {
  port: number;
  /** The address the API listens on; unset: all interfaces. */
  host?: string;
  dataDir: string;
  /** Unset: run embedded Postgres in the data dir. */
  databaseUrl?: string;
  /** Connections in this process's pool; unset: the default of its kind (services.ts DEFAULT_POOL_SIZES). */
  databasePoolSize?: number;
  /** Workflows a worker keeps in memory between their tasks (the SDK's maxCachedWorkflows). */
  workflowCacheSize: number;
  /** HOMING_AUTOMATIONS: the user's automations (a module or a directory), resolved; unset: only the built-ins. */
  automationsPath?: string;
  /** The time zone of recipients who have none (for sleepUntil and sending hours). */
  defaultTimezone: string;
  consent: ConsentSettings;
  temporal: {
    /** Unset: run the embedded Temporal dev server. */
    address?: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    /** Unset: plaintext. */
    tls?: TemporalTls;
    /** Where run links point; the embedded dev server's UI when unset. */
    uiUrl?: string;
  };
  /** Every key Segment may authenticate with (several during a rotation). */
  apiKeys: string[];
  adminToken: string;
  publicUrl: string;
  trackingSecret: string;
  /** Hosts whose links get click tracking (`example.com`, `*.example.com`); unset: every host. */
  trackingLinkHosts?: string[];
  email: {
    provider: Env['EMAIL_PROVIDER'];
    from: string;
    smtpUrl?: string;
    sendgridApiKey?: string;
    sendgridApiUrl: string;
    /** Verifies SendGrid's Event Webhook posts; unset: they are refused. */
    sendgridWebhookPublicKey?: string;
    /** Signs SMTP mail; unset: unsigned (SendGrid signs its own). */
    dkim?: DkimSettings;
    /** The mailto: of List-Unsubscribe (its subject carries the token); unset: https only. */
    unsubscribeMailto?: string;
  };
  sms: { provider: Env['SMS_PROVIDER']; twilioAccountSid?: string; twilioAuthToken?: string; twilioFrom?: string; twilioApiUrl: string };
  /** WhatsApp through Twilio's Messages API: the account, token and API URL are the `sms` ones. */
  whatsapp: { provider: Env['WHATSAPP_PROVIDER']; from?: string };
  /** Slack's Web API; the bot token is for recipients without `traits.tokens.slackToken`. */
  slack: { provider: Env['SLACK_PROVIDER']; botToken?: string; apiUrl: string };
  segment: { writeKey?: string; apiHost: string };
  /** How opens and clicks are told human or machine, and whether a machine's count (src/messaging/engagement-classification.ts). */
  engagement: EngagementPolicy;
  logLevel: Env['LOG_LEVEL'];
}

const SECRET_NAMES = ['apiKey', 'adminToken', 'trackingSecret'] as const;
/** Every name secrets.json may hold: the embedded Postgres password is generated only when that Postgres runs. */
type SecretName = (typeof SECRET_NAMES)[number] | 'postgresPassword';

/**
 * Secrets that the environment does not set are generated once and kept in the
 * data dir (readable by its owner only), so a restart keeps the same API key,
 * admin token, tracking key and embedded Postgres password.
 */
export function loadSecrets<N extends SecretName = (typeof SECRET_NAMES)[number]>(
  dataDir: string,
  names: readonly N[] = SECRET_NAMES as unknown as readonly N[],
): Record<N, string> {
  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<Record<SecretName, string>> = {};
  if (fs.existsSync(file)) {
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<SecretName, string>>;
    } catch (err) {
      throw new ConfigError([`${file}: unreadable (${(err as Error).message}); fix it, or delete it to generate new secrets`]);
    }
  }
  const secrets = { ...stored };
  let changed = false;
  for (const name of names) {
    if (!secrets[name]) {
      secrets[name] = crypto.randomBytes(24).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets as Record<N, string>;
}

/** This machine's URL of an API on `port`: localhost unless HOST names one address (localhost might resolve to another). */
export function localUrl(host: string | undefined, port: number): string {
  if (!host || ['0.0.0.0', '::'].includes(host)) return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Turns the environment into a validated config, or throws ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // A blank variable (e.g. `PORT=` in .env) counts as unset; values are trimmed.
  const raw: RawEnv = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  const parsed = envSchema.safeParse(raw);
  const tls = temporalTls(raw);
  const dkim = dkimSettings(raw);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...providerProblems(raw),
    ...tls.problems,
    ...dkim.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;

  const dataDir = path.resolve(env.HOMING_DATA_DIR);
  const needsGenerated = !env.HOMING_API_KEY || !env.HOMING_ADMIN_TOKEN || !env.TRACKING_SECRET;
  const generated = needsGenerated ? loadSecrets(dataDir) : undefined;
  const apiKeys = (env.HOMING_API_KEY ?? generated!.apiKey)
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    workflowCacheSize: env.HOMING_WORKFLOW_CACHE_SIZE,
    automationsPath: env.HOMING_AUTOMATIONS === undefined ? undefined : path.resolve(env.HOMING_AUTOMATIONS),
    defaultTimezone: env.HOMING_DEFAULT_TIMEZONE,
    consent: { sendingHours: env.SENDING_HOURS, frequencyCaps: env.FREQUENCY_CAPS, traits: env.CONSENT_TRAITS },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      apiKey: env.TEMPORAL_API_KEY,
      tls: tls.tls,
      uiUrl: env.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    },
    apiKeys,
    adminToken: env.HOMING_ADMIN_TOKEN ?? generated!.adminToken,
    publicUrl: (env.PUBLIC_URL ?? localUrl(env.HOST, env.PORT)).replace(/\/+$/, ''),
    trackingSecret: env.TRACKING_SECRET ?? generated!.trackingSecret,
    trackingLinkHosts: env.TRACKING_LINK_HOSTS,
    email: {
      provider: env.EMAIL_PROVIDER,
      from: env.EMAIL_FROM,
      smtpUrl: env.SMTP_URL,
      sendgridApiKey: env.SENDGRID_API_KEY,
      sendgridApiUrl: env.SENDGRID_API_URL,
      sendgridWebhookPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY,
      dkim: dkim.dkim,
      unsubscribeMailto: env.UNSUBSCRIBE_MAILTO,
    },
    sms: {
      provider: env.SMS_PROVIDER,
      twilioAccountSid: env.TWILIO_ACCOUNT_SID,
      twilioAuthToken: env.TWILIO_AUTH_TOKEN,
      twilioFrom: env.TWILIO_FROM,
      twilioApiUrl: env.TWILIO_API_URL,
    },
    whatsapp: { provider: env.WHATSAPP_PROVIDER, from: env.TWILIO_WHATSAPP_FROM },
    slack: { provider: env.SLACK_PROVIDER, botToken: env.SLACK_BOT_TOKEN, apiUrl: env.SLACK_API_URL },
    segment: { writeKey: env.SEGMENT_WRITE_KEY, apiHost: env.SEGMENT_API_HOST },
    engagement: { machineClickSeconds: env.ENGAGEMENT_MACHINE_CLICK_SECONDS, countMachine: env.ENGAGEMENT_COUNT_MACHINE },
    logLevel: env.LOG_LEVEL,
  };
}
