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

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

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
async function temporal(address: string, config: Config): Promise<Check> {
  const cfg = { ...config.temporal, address };
  const { namespace } = config.temporal;
  try {
    const connection = await connectWorker(cfg);
    try {
      await connection.workflowService.describeNamespace({ namespace });
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

/** Prints one line per dependency; true when everything needed is reachable or can be started. */
export async function runDoctor(config: Config, print: (line: string) => void = console.log): Promise<boolean> {
  const running = runningInstance(config.dataDir);
  const checks: Check[] = [{ name: 'config', ok: true, detail: `valid (data dir ${config.dataDir})` }, automationsCheck(config)];

  const databaseUrl = config.databaseUrl ?? running?.databaseUrl;
  if (databaseUrl) checks.push(await postgres(databaseUrl));
  else {
    const initialised = fs.existsSync(path.join(config.dataDir, 'postgres', 'PG_VERSION'));
    checks.push({ name: 'postgres', ok: true, detail: `embedded; "homing start" runs it from ${path.join(config.dataDir, 'postgres')} (${initialised ? 'initialised' : 'created on first start'})` });
  }

  const temporalAddress = config.temporal.address ?? running?.temporalAddress;
  if (temporalAddress) checks.push(await temporal(temporalAddress, config));
  else {
    const cli = locateTemporalBinary('temporal', path.join(config.dataDir, 'tools'));
    checks.push({ name: 'temporal', ok: true, detail: cli ? `embedded dev server from ${cli}` : 'embedded; the Temporal CLI is installed with pip on first start' });
  }

  if (running) checks.push(await http('api', `${running.apiUrl}/healthz`));
  if (config.email.provider === 'smtp' && config.email.smtpUrl) {
    const u = new URL(config.email.smtpUrl);
    checks.push(await tcp('smtp', u.hostname, Number(u.port || 587)));
  } else checks.push({ name: 'email', ok: true, detail: `provider "${config.email.provider}"` });
  checks.push({ name: 'sms', ok: true, detail: `provider "${config.sms.provider}"` });
  checks.push({ name: 'whatsapp', ok: true, detail: `provider "${config.whatsapp.provider}"${config.whatsapp.from ? `, from whatsapp:${config.whatsapp.from}` : ''}` });
  const slackToken = config.slack.botToken ? 'SLACK_BOT_TOKEN set' : 'no SLACK_BOT_TOKEN: only recipients with traits.tokens.slackToken';
  checks.push({ name: 'slack', ok: true, detail: `provider "${config.slack.provider}"${config.slack.provider === 'slack' ? ` at ${config.slack.apiUrl}, ${slackToken}` : ''}` });
  if (config.segment.writeKey) checks.push(await http('segment', config.segment.apiHost));
  else checks.push({ name: 'segment', ok: true, detail: 'SEGMENT_WRITE_KEY unset: outcomes are recorded, not exported' });

  for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(11)} ${c.detail}`);
  return checks.every((c) => c.ok);
}
