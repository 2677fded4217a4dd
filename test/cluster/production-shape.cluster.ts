import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '../helpers/homing';
import { tempDir } from '../helpers/servers';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { sampleConnections, type ConnectionPeaks } from './connection-sampler';
import { HomingDeployment } from '../../cluster/homing-deployment';
import { composeSettings } from '../../cluster/compose-settings';
import { cli, createNamespace, setupTemporalSchema, startClusterPostgres, startTemporalServer, type ClusterPostgres, type TemporalServer } from '../../cluster/temporal-cluster';
import { TEMPORAL_VERSION, type TemporalTools } from '../../cluster/temporal-tools';

/**
 * The production shape of docker-compose.yml, without Docker: the real
 * Temporal server (compose's version, postgres12, its shard count and dynamic
 * config) and Homing on one PostgreSQL, Homing's api and two workers as
 * separate processes, a real SMTP server and Twilio's wire format.
 */

// Postgres gets compose's max_connections, so a pool budget that does not fit fails here as it would there.
const MAX_CONNECTIONS = composeSettings().maxConnections;
const LOAD_RUNS = 300;

let dir: string;
let smtp: SmtpSink;
let twilio: TwilioSink;
let pg: ClusterPostgres;
let temporal: TemporalServer;
let homing: HomingDeployment;
let sampler: Awaited<ReturnType<typeof sampleConnections>> | undefined;
// What beforeAll started, stopped in reverse order whatever happened.
const started: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const tools = JSON.parse(process.env.HOMING_CLUSTER_TOOLS!) as TemporalTools;
  dir = tempDir('homing-cluster-');
  smtp = await startSmtpSink();
  started.push(() => smtp.close());
  twilio = await startTwilioSink();
  started.push(() => twilio.close());
  pg = await startClusterPostgres(path.join(dir, 'postgres-data'), MAX_CONNECTIONS);
  started.push(() => pg.handle.stop());
  sampler = await sampleConnections(pg.urlFor('postgres'));
  started.push(() => sampler!.stop());
  await setupTemporalSchema(tools, pg, dir);
  temporal = await startTemporalServer(tools, pg, dir);
  started.push(() => temporal.process.stop());
  await createNamespace(temporal, 'default', dir);
  homing = new HomingDeployment({ dir, databaseUrl: pg.urlFor('homing'), temporalAddress: temporal.address, smtpUrl: smtp.url, twilio });
  started.push(() => homing.stop());
  await homing.start(2);
}, 300_000);

afterAll(async () => {
  const peaks: ConnectionPeaks | undefined = sampler?.peaks;
  for (const stop of started.reverse()) await stop().catch((err: unknown) => console.error(`stopping: ${(err as Error).message}`));
  if (peaks) console.log(`PostgreSQL connections at peak: ${peaks.total} of max_connections=${MAX_CONNECTIONS}, by database ${JSON.stringify(peaks.byDatabase)} (${peaks.samples} samples)`);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** On failure, the tail of each process's output says what went wrong. */
function outputs(): string {
  return [temporal?.process, ...(homing?.processes ?? [])].filter(Boolean).map((p) => `--- ${p!.name}:\n${p!.output.slice(-3000)}`).join('\n');
}

const countBy = <T>(items: T[], key: (item: T) => string) => items.reduce((m, i) => m.set(key(i), (m.get(key(i)) ?? 0) + 1), new Map<string, number>());

it('runs the Temporal version and settings of docker-compose.yml', async () => {
  const compose = composeSettings();
  expect(compose.temporalVersion).toBe(TEMPORAL_VERSION);
  const described = JSON.parse(await cli(['operator', 'cluster', 'describe', '--address', temporal.address, '-o', 'json'], dir));
  expect(described).toMatchObject({ serverVersion: TEMPORAL_VERSION, historyShardCount: Number(compose.temporalEnv.NUM_HISTORY_SHARDS) });
});

it('walks through the README: identify, templates, mapping, track → email → SMS → run completed; replay passes', async () => {
  const created = [
    await homing.admin('templates', { body: { id: 'welcome', name: 'Welcome', channel: 'email', content: { subject: 'Welcome, {{ profile.name | default: "friend" }}', html: '<p>Your {{ data.plan }} trial is on. <a href="https://example.com/start">Start</a></p>' } } }),
    await homing.admin('templates/welcome/publish', { method: 'POST' }),
    await homing.admin('templates', { body: { id: 'nudge', name: 'Nudge', channel: 'sms', content: { text: 'Your trial is waiting: https://example.com/start' } } }),
    await homing.admin('templates/nudge/publish', { method: 'POST' }),
    // Short waits instead of 24 h: nobody opens the email, so the SMS follows, then the run ends.
    await homing.admin('mappings', { body: { id: 'trial', name: 'Trial onboarding', status: 'published', trigger: { type: 'track', event: 'Trial Started' }, automation: 'email-then-sms', params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '2s', smsWait: '2s' }, cancelOn: ['Subscription Started'] } }),
  ];
  expect(created.map((r) => r.status)).toEqual([201, 200, 201, 200, 201]);

  const ingest = await homing.batch([
    { type: 'identify', userId: 'ada', traits: { name: 'Ada', email: 'ada@example.com', phone: '+15550100' } },
    { type: 'track', userId: 'ada', event: 'Trial Started', properties: { plan: 'pro' } },
  ]);
  expect(ingest.status).toBe(200);

  const email = await smtp.waitFor((m) => m.envelope.to.includes('ada@example.com'), 120_000).catch((err: Error) => failWithOutputs(err, 'the email'));
  expect(email.subject).toBe('Welcome, Ada');
  expect(email.html).toContain('Your pro trial is on.');
  await eventually(async () => twilio.messages.some((m) => m.form.To === '+15550100'), 120_000, 'the SMS at the Twilio sink').catch((err: Error) => failWithOutputs(err, 'the SMS'));
  const runId = (await homing.admin('runs?userId=ada')).body.runs[0].id as string;
  const run = await eventually(async () => {
    const detail = (await homing.admin(`runs/${encodeURIComponent(runId)}`)).body;
    return detail.status === 'completed' ? detail : undefined;
  }, 60_000, 'the run completed');
  expect(run.result).toEqual({ outcome: 'ignored' });

  // Replay of closed runs straight from the cluster, as the README tells before a deploy.
  const replay = await homing.run(['replay', '--type', 'email-then-sms', '--limit', '20']);
  expect(replay).toMatch(/(\d+) replayed: \1 passed, 0 failed/);
}, 300_000);

it('loses and doubles nothing when one of two workers is killed (SIGKILL) under load', async () => {
  const users = Array.from({ length: LOAD_RUNS }, (_, i) => ({ id: `load-${i}`, email: `load-${i}@example.com`, phone: `+15552${String(i).padStart(6, '0')}` }));
  expect((await homing.admin('mappings', { body: { id: 'load', name: 'Load', status: 'published', trigger: { type: 'track', event: 'Load Started' }, automation: 'email-then-sms', params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '2s', smsWait: '2s' } } })).status).toBe(201);
  const toSend = users.flatMap((u) => [
    { type: 'identify', userId: u.id, messageId: `${u.id}-identify`, traits: { name: u.id, email: u.email, phone: u.phone } },
    { type: 'track', userId: u.id, messageId: `${u.id}-track`, event: 'Load Started', properties: { plan: 'load' } },
  ]);
  for (let i = 0; i < toSend.length; i += 50) expect((await homing.batch(toSend.slice(i, i + 50))).status).toBe(200);

  // Mid-way: some emails out, most runs still in flight.
  await eventually(async () => smtp.messages.filter((m) => m.envelope.to[0]!.startsWith('load-')).length >= LOAD_RUNS / 4, 180_000, 'a quarter of the emails').catch((err: Error) => failWithOutputs(err, 'load'));
  await homing.workers[1]!.kill();
  expect(homing.workers[0]!.running).toBe(true);
  // Every run waits 2 s + 2 s after its email: with emails still going out, most runs are in flight.
  const completedAtKill = (await homing.admin('runs?mappingId=load&status=completed&limit=1000')).body.runs.length as number;
  expect(completedAtKill).toBeLessThan(LOAD_RUNS);

  const completed = await eventually(async () => {
    const runs = (await homing.admin(`runs?mappingId=load&limit=1000`)).body.runs as Array<{ status: string }>;
    return runs.length === LOAD_RUNS && runs.every((r) => r.status === 'completed') ? runs : undefined;
  }, 240_000, `all ${LOAD_RUNS} runs completed`).catch((err: Error) => failWithOutputs(err, 'load'));
  expect(completed).toHaveLength(LOAD_RUNS);

  // Exactly one email and one SMS per run, counted by recipient at the sinks. A worker killed between
  // the SMTP server's 250 and recording SENT resends with the same Message-ID (what SMTP allows: a
  // receiver dedupes by it), so emails count once per Message-ID; the Twilio sink dedupes by idempotency token.
  const loadEmails = smtp.messages.filter((m) => m.envelope.to[0]!.startsWith('load-'));
  const emails = countBy([...new Map(loadEmails.map((m) => [`${m.envelope.to.join(',')} ${m.messageId}`, m])).values()], (m) => m.envelope.to.join(','));
  const sms = countBy(twilio.messages.filter((m) => m.form.To!.startsWith('+15552')), (m) => m.form.To!);
  for (const u of users) {
    expect([u.email, emails.get(u.email) ?? 0]).toEqual([u.email, 1]);
    expect([u.phone, sms.get(u.phone) ?? 0]).toEqual([u.phone, 1]);
  }
  expect(emails.size).toBe(LOAD_RUNS);
  expect(sms.size).toBe(LOAD_RUNS);
}, 300_000);

function failWithOutputs(err: Error, what: string): never {
  throw new Error(`${what}: ${err.message}\n${outputs()}`);
}
