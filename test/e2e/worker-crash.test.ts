import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../src/version';
import { ADMIN_TOKEN, API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { tempDir } from '../helpers/servers';

/**
 * A worker process killed (SIGKILL) while its email activity waits for the
 * SMTP server's answer, then a new worker: the message goes out exactly once.
 */
const CLI = path.join(packageRoot(), 'dist', 'src', 'cli.js');
let homing: TestHoming;
let smtp: SmtpSink;
let child: ChildProcess | undefined;

beforeAll(async () => {
  smtp = await startSmtpSink();
  homing = await startHoming({ worker: false, env: { EMAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url } });
  const template = { id: 'hello', name: 'Hello', channel: 'email', content: { subject: 'Hello {{ profile.name }}', text: 'Hi there' } };
  expect((await homing.admin('/api/templates', { method: 'POST', body: template })).status).toBe(201);
  expect((await homing.admin('/api/templates/hello/publish', { method: 'POST', body: {} })).status).toBe(200);
  const mapping = { id: 'hello', name: 'Hello', status: 'published', trigger: { type: 'track', event: 'Signed Up' }, automation: 'single-send', params: { channel: 'email', template: 'hello' } };
  expect((await homing.admin('/api/mappings', { method: 'POST', body: mapping })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await homing?.stop();
  await smtp?.close();
});

/** `homing worker` as its own process, on this test's database and task queue. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const env = {
    ...process.env,
    HOMING_DATA_DIR: tempDir('homing-worker-'),
    DATABASE_URL: homing.databaseUrl,
    TEMPORAL_ADDRESS: process.env.HOMING_TEST_TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: homing.config.temporal.taskQueue,
    HOMING_API_KEY: API_KEY,
    HOMING_ADMIN_TOKEN: ADMIN_TOKEN,
    TRACKING_SECRET: 'test-tracking-secret',
    EMAIL_PROVIDER: 'smtp',
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'info',
  };
  let output = '';
  const proc = spawn(process.execPath, [CLI, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await eventually(async () => output.includes('worker running') || proc.exitCode !== null, 90_000, 'the worker process');
  if (proc.exitCode !== null) throw new Error(`worker exited ${proc.exitCode}: ${output}`);
  return proc;
}

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

it('sends exactly one email per user when the worker dies mid-send', async () => {
  child = await startWorkerProcess();
  const held = smtp.holdNext(1);
  await send({ type: 'identify', userId: 'kim', traits: { name: 'Kim', email: 'kim@example.com' }, messageId: 'kim-identify' });
  await send({ type: 'track', userId: 'kim', event: 'Signed Up', messageId: 'kim-signed-up' });
  // The email is at the SMTP server, waiting for its answer: kill the worker now.
  await held.waiting(1);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  // The SMTP server sees the connection drop before it answered: that copy is never accepted.
  await eventually(async () => smtp.unanswered.length === 1, 10_000, 'the dropped SMTP session');
  held.release();
  expect(smtp.messages).toHaveLength(0);

  // A new worker takes over; the send activity is retried once its heartbeat times out.
  await homing.startWorker();
  await send({ type: 'identify', userId: 'lou', traits: { name: 'Lou', email: 'lou@example.com' }, messageId: 'lou-identify' });
  await send({ type: 'track', userId: 'lou', event: 'Signed Up', messageId: 'lou-signed-up' });
  await smtp.waitFor((m) => m.envelope.to.includes('kim@example.com'), 60_000);
  await smtp.waitFor((m) => m.envelope.to.includes('lou@example.com'), 60_000);
  const ended = await eventually(async () => {
    const runs = (await homing.admin('/api/runs?status=completed')).body.runs;
    return runs.length === 2 ? runs : undefined;
  }, 30_000, 'both runs completed');
  expect(ended).toHaveLength(2);

  for (const to of ['kim@example.com', 'lou@example.com']) expect(smtp.messages.filter((m) => m.envelope.to.includes(to))).toHaveLength(1);
  // The killed attempt's connection was never answered, so that copy was never accepted.
  expect(smtp.unanswered.map((m) => m.envelope.to)).toEqual([['kim@example.com']]);
  const kim = (await homing.admin('/api/messages?userId=kim')).body.messages[0];
  const detail = await homing.admin(`/api/messages/${kim.id}`);
  expect(detail.body.status).toBe('SENT');
  expect(detail.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['ENQUEUED', 'send-retried', 'SENT']);
  // Both copies carried the same Message-ID, derived from the run and step.
  expect(smtp.unanswered[0]!.messageId).toBe(smtp.messages.find((m) => m.envelope.to.includes('kim@example.com'))!.messageId);
}, 180_000);
