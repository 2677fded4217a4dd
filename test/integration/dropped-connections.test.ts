import { Client } from 'pg';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { startSegmentSink, type SegmentSink } from '../helpers/segment-sink';
import { startSegmentGate, type SegmentGate } from '../helpers/segment-gate';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/**
 * Every Homing connection to Postgres is terminated (as a failover or a
 * restart would) while it drains the outbox, sends a message or exports an
 * outcome: the process lives on (an unhandled 'error' of a pooled client would
 * end the Jest worker) and the work is done exactly once.
 */
const WRITE_KEY = 'dropped-write-key';
let homing: TestHoming;
let segment: SegmentSink;
let smtp: SmtpSink;
let gate: SegmentGate;

beforeAll(async () => {
  [segment, smtp] = await Promise.all([startSegmentSink(WRITE_KEY), startSmtpSink()]);
  gate = await startSegmentGate(segment.url);
  homing = await startHoming({
    env: { EMAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url, EMAIL_FROM: 'Homing Test <hello@homing.test>', SEGMENT_WRITE_KEY: WRITE_KEY, SEGMENT_API_HOST: gate.url },
  });
  await publishTemplates(homing);
  await publishMapping(homing, { id: 'demo', trigger: { type: 'track', event: 'Demo Booked' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });
}, 120_000);
afterAll(async () => {
  gate?.release();
  await homing?.stop();
  await Promise.all([gate?.close(), segment?.close(), smtp?.close()]);
});

/** Ends every backend of Homing's database but the one asking, waiting until each is gone; returns how many. */
async function terminateHomingBackends(): Promise<number> {
  const client = new Client({ connectionString: process.env.HOMING_TEST_DATABASE_URL });
  await client.connect();
  try {
    const dbName = new URL(homing.databaseUrl).pathname.slice(1);
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [dbName],
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** Ingest answers 200 again once it has a connection (a request caught by the termination may fail: its client retries). */
const ingest = (body: Record<string, unknown>) =>
  eventually(
    async () => (await post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) }).catch(() => undefined))?.status === 200,
    20_000,
    `ingest of ${body.messageId}`,
  );
const bookDemo = async (userId: string) => {
  await ingest({ type: 'identify', userId, traits: { name: userId, email: `${userId}@example.com` }, messageId: `${userId}-identify` });
  await ingest({ type: 'track', userId, event: 'Demo Booked', messageId: `${userId}-demo` });
};
const messagesOf = async (userId: string) => {
  const { rows } = await homing.pool.query<{ id: string; status: string }>('SELECT id, status FROM messages WHERE user_id = $1', [userId]).catch(() => ({ rows: [] }));
  return rows;
};
const exported = async (userId: string) => {
  const { rows } = await homing.pool
    .query<{ n: number }>("SELECT count(*)::int AS n FROM outcomes o JOIN messages m ON m.id = o.message_id WHERE m.user_id = $1 AND o.state = 'exported'", [userId])
    .catch(() => ({ rows: [{ n: 0 }] }));
  return rows[0]!.n;
};
const mailsTo = (userId: string) => smtp.messages.filter((m) => m.envelope.to.includes(`${userId}@example.com`));
const outcomesAtSegment = (userId: string) => segment.accepted.filter((e) => e.userId === userId);

it('survives its connections dropping while an outcome export waits on Segment, and exports it once', async () => {
  gate.hold();
  await bookDemo('dora');
  await eventually(async () => gate.held > 0, 30_000, 'the export to reach Segment');
  expect(await terminateHomingBackends()).toBeGreaterThan(0);
  gate.release();
  await eventually(async () => (await exported('dora')) === 1, 30_000, "dora's outcome to be exported");
  expect(outcomesAtSegment('dora').map((e) => e.event)).toEqual(['Message Sent']);
  expect(mailsTo('dora')).toHaveLength(1);
}, 60_000);

it('survives its connections dropping while the email provider holds a send, and sends it once', async () => {
  const held = smtp.holdNext(1);
  await bookDemo('eli');
  await held.waiting();
  expect(await terminateHomingBackends()).toBeGreaterThan(0);
  held.release();
  await eventually(async () => (await messagesOf('eli'))[0]?.status === 'SENT', 30_000, "eli's message to be SENT");
  await eventually(async () => (await exported('eli')) === 1, 30_000, "eli's outcome to be exported");
  expect(mailsTo('eli')).toHaveLength(1);
  expect(outcomesAtSegment('eli').map((e) => e.event)).toEqual(['Message Sent']);
}, 60_000);

it('survives its connections dropping again and again while it drains, sends and exports, and does each thing once', async () => {
  const users = ['fia', 'gus', 'hal', 'ivy', 'jon', 'kai'];
  let terminating = true;
  const terminator = (async () => {
    while (terminating) {
      await terminateHomingBackends();
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  await Promise.all(users.map(bookDemo));
  // Keeps cutting the connections while the events are applied and the messages sent.
  await eventually(async () => (await Promise.all(users.map(messagesOf))).some((m) => m.length > 0), 30_000, 'a message of the burst');
  terminating = false;
  await terminator;
  for (const user of users) {
    await eventually(async () => (await exported(user)) === 1, 40_000, `${user}'s outcome to be exported`);
    expect(await messagesOf(user)).toEqual([expect.objectContaining({ status: 'SENT' })]);
    expect(mailsTo(user)).toHaveLength(1);
    expect(outcomesAtSegment(user).map((e) => e.event)).toEqual(['Message Sent']);
  }
}, 90_000);
