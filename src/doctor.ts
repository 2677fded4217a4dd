import fs from 'node:fs';
import path from 'node:path';
import { runningInstance } from './runtime-info';
import net from 'node:net';
import { Client as PgClient } from 'pg';
import type { Config } from './config';
import { locateTemporalBinary } from './embedded/temporal-binaries';
import { connectWorker, describeTarget, TemporalConnectError } from './temporal/connection';
import { automations } from './automations/catalog';
import { setUpAutomations } from './automations/user-automations';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Where the checks look: the dependencies the process (or the running instance) uses. */
export interface DoctorTargets {
  databaseUrl?: string;
  temporalAddress?: string;
  /** A running API to ask /healthz; absent when the API itself is asking. */
  apiUrl?: string;
}

/**
 * The work's result, or undefined once `ms` have passed: a dependency that
 * accepts connections and then stays silent must not hang the doctor (or the
 * Studio screen that shows it).
 */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const noAnswer = (name: string, ms: number): Check => ({ name, ok: false, detail: `no answer within ${Math.round(ms / 1000)} s` });
const bounded = async (name: string, check: Promise<Check>, ms: number): Promise<Check> => (await within(check, ms)) ?? noAnswer(name, ms);

async function postgres(url: string): Promise<Check> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { name: 'postgres', ok: true, detail: `reachable, PostgreSQL ${rows[0]?.v}` };
  } catch (err) {
    return { name: 'postgres', ok: false, detail: `not reachable: ${(err as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects the way the worker does (TLS, client certificate, API key), so a pass here means the worker can connect too. */
async function temporal(address: string, config: Config, timeoutMs: number): Promise<Check> {
  const cfg = { ...config.temporal, address };
  const { namespace } = config.temporal;
  try {
    const connecting = connectWorker(cfg);
    const connection = await within(connecting, timeoutMs);
    if (!connection) {
      // Made after the doctor gave up: closed then, not left open.
      connecting.then((c) => c.close(), () => undefined);
      return noAnswer('temporal', timeoutMs);
    }
    try {
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.describeNamespace({ namespace }));
      return { name: 'temporal', ok: true, detail: `reachable at ${describeTarget(cfg)}, namespace "${namespace}"` };
    } finally {
      await connection.close();
    }
  } catch (err) {
    if (err instanceof TemporalConnectError) return { name: 'temporal', ok: false, detail: `not reachable at ${err.target}: ${err.reason}` };
    return { name: 'temporal', ok: false, detail: `reachable at ${describeTarget(cfg)}, but namespace "${namespace}": ${(err as Error).message}` };
  }
}

function tcp(name: string, host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3_000 });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ name, ok, detail });
    };
    socket.once('connect', () => done(true, `${host}:${port} accepts connections`));
    socket.once('timeout', () => done(false, `${host}:${port} did not answer`));
    socket.once('error', (err) => done(false, `${host}:${port}: ${err.message}`));
  });
}

async function http(name: string, url: string): Promise<Check> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { name, ok: res.ok, detail: `${url} answered ${res.status}` };
  } catch (err) {
    return { name, ok: false, detail: `${url}: ${(err as Error).message}` };
  }
}

/** The automations this installation runs: the built-ins and HOMING_AUTOMATIONS', loaded and checked as start-up does. */
function automationsCheck(config: Config): Check {
  try {
    const files = setUpAutomations(config.automationsPath);
    const from = files.length > 0 ? ` (HOMING_AUTOMATIONS: ${files.length} file${files.length === 1 ? '' : 's'} in ${config.automationsPath})` : '';
    return { name: 'automations', ok: true, detail: `${automations().map((a) => a.id).join(', ')}${from}` };
  } catch (err) {
    return { name: 'automations', ok: false, detail: (err as Error).message };
  }
}

/** Every check, in the order the doctor prints them; each one that waits on the network gives up after `timeoutMs`. */
export async function doctorChecks(config: Config, targets: DoctorTargets, timeoutMs = 10_000): Promise<Check[]> {
  const postgresCheck: Promise<Check> = targets.databaseUrl
    ? bounded('postgres', postgres(targets.databaseUrl), timeoutMs)
    : Promise.resolve({
        name: 'postgres',
        ok: true,
        detail: `embedded; "homing start" runs it from ${path.join(config.dataDir, 'postgres')} (${fs.existsSync(path.join(config.dataDir, 'postgres', 'PG_VERSION')) ? 'initialised' : 'created on first start'})`,
      });
  const cli = targets.temporalAddress ? undefined : locateTemporalBinary('temporal', path.join(config.dataDir, 'tools'));
  const temporalCheck: Promise<Check> = targets.temporalAddress
    ? temporal(targets.temporalAddress, config, timeoutMs)
    : Promise.resolve({ name: 'temporal', ok: true, detail: cli ? `embedded dev server from ${cli}` : 'embedded; the Temporal CLI is installed with pip on first start' });
  const slackToken = config.slack.botToken ? 'SLACK_BOT_TOKEN set' : 'no SLACK_BOT_TOKEN: only recipients with traits.tokens.slackToken';
  const smtpUrl = config.email.provider === 'smtp' && config.email.smtpUrl ? new URL(config.email.smtpUrl) : undefined;
  // The network checks run at once: the slowest bounds the wait, not their sum.
  return Promise.all([
    { name: 'config', ok: true, detail: `valid (data dir ${config.dataDir})` },
    automationsCheck(config),
    postgresCheck,
    temporalCheck,
    ...(targets.apiUrl ? [http('api', `${targets.apiUrl}/healthz`)] : []),
    smtpUrl ? tcp('smtp', smtpUrl.hostname, Number(smtpUrl.port || 587)) : { name: 'email', ok: true, detail: `provider "${config.email.provider}"` },
    { name: 'sms', ok: true, detail: `provider "${config.sms.provider}"` },
    { name: 'whatsapp', ok: true, detail: `provider "${config.whatsapp.provider}"${config.whatsapp.from ? `, from whatsapp:${config.whatsapp.from}` : ''}` },
    { name: 'slack', ok: true, detail: `provider "${config.slack.provider}"${config.slack.provider === 'slack' ? ` at ${config.slack.apiUrl}, ${slackToken}` : ''}` },
    config.segment.writeKey ? http('segment', config.segment.apiHost) : { name: 'segment', ok: true, detail: 'SEGMENT_WRITE_KEY unset: outcomes are recorded, not exported' },
  ]);
}

/** Prints one line per dependency; true when everything needed is reachable or can be started. */
export async function runDoctor(config: Config, print: (line: string) => void = console.log): Promise<boolean> {
  const running = runningInstance(config.dataDir);
  const checks = await doctorChecks(config, {
    databaseUrl: config.databaseUrl ?? running?.databaseUrl,
    temporalAddress: config.temporal.address ?? running?.temporalAddress,
    apiUrl: running?.apiUrl,
  });
  for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(11)} ${c.detail}`);
  return checks.every((c) => c.ok);
}
