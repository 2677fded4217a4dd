import crypto from 'node:crypto';
import { createDatabase } from '../../src/db/create-database';
import { claimPendingOutcomes } from '../../src/db/outcomes';
import type { Pool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { exportOutcomes, type ExporterConfig } from '../../src/outcomes/exporter';
import { openDatabase } from '../../src/services';
import { eventually } from '../helpers/homing';
import { startSegmentGate, type SegmentGate } from '../helpers/segment-gate';
import { startSegmentSink, type SegmentSink } from '../helpers/segment-sink';

/**
 * The exporter claims outcomes with a lease before it calls Segment, with no
 * transaction open meanwhile: exporters running at once never send the same
 * outcome, and outcomes of one that died after claiming are sent once its
 * lease ran out, with the same Segment messageIds.
 */
const WRITE_KEY = 'claims-write-key';
let pool: Pool;
let segment: SegmentSink;
let gate: SegmentGate;
let cfg: ExporterConfig;

beforeAll(async () => {
  const url = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_claims_${crypto.randomBytes(4).toString('hex')}`);
  pool = await openDatabase(url, createLogger('silent'));
  segment = await startSegmentSink(WRITE_KEY);
  gate = await startSegmentGate(segment.url);
  cfg = { writeKey: WRITE_KEY, host: gate.url, version: 'test' };
});
afterAll(async () => {
  gate?.release();
  await pool?.end();
  await Promise.all([gate?.close(), segment?.close()]);
});

/** A sent email of a run of its own, whose SENT outcome is pending. */
async function sentMessage(user: string): Promise<string> {
  const [runId, messageId] = [`run-${user}`, `msg-${user}`];
  await pool.query(
    `INSERT INTO runs (id, mapping_id, mapping_version, automation, user_id, trigger_message_id, trigger_event, input)
     VALUES ($1, 'demo', 1, 'single-send', $2, $3, 'Demo Booked', '{}')`,
    [runId, user, `${user}-demo`],
  );
  await pool.query(
    `INSERT INTO messages (id, run_id, step, user_id, channel, provider, template_id, template_version, status)
     VALUES ($1, $2, 'send', $3, 'email', 'smtp', 'welcome', 1, 'SENT')`,
    [messageId, runId, user],
  );
  await pool.query(`INSERT INTO outcomes (message_id, status, segment_message_id) VALUES ($1, 'SENT', outcome_segment_id($1, 'SENT'))`, [messageId]);
  return messageId;
}
const stateOf = async (messageId: string) => (await pool.query<{ state: string }>('SELECT state FROM outcomes WHERE message_id = $1', [messageId])).rows[0]?.state;
const atSegment = (messageId: string) => segment.accepted.filter((e) => e.properties?.messageId === messageId).map((e) => e.messageId);

it('a second exporter running while the first one waits on Segment sends nothing of its batch', async () => {
  const messages = await Promise.all(['ada', 'bob', 'cy'].map(sentMessage));
  gate.hold();
  const first = exportOutcomes(pool, cfg, () => undefined);
  await eventually(async () => gate.held === 1, 20_000, 'the first export to reach Segment');
  expect(await exportOutcomes(pool, cfg, () => undefined)).toBe(0);
  gate.release();
  expect(await first).toBe(3);
  for (const id of messages) {
    expect(atSegment(id)).toEqual([`homing-${id}-sent`]);
    expect(await stateOf(id)).toBe('exported');
  }
});

it('outcomes claimed by an exporter that died are sent once its lease ran out, with the same messageId', async () => {
  const id = await sentMessage('dee');
  // An exporter claims (for a moment) and dies before Segment answers.
  expect((await claimPendingOutcomes(pool, 100, 1)).map((o) => o.message?.message_id)).toEqual([id]);
  await eventually(async () => (await exportOutcomes(pool, cfg, () => undefined)) === 1, 20_000, "dee's outcome to be exported after the lease");
  expect(atSegment(id)).toEqual([`homing-${id}-sent`]);
  expect(await stateOf(id)).toBe('exported');
  expect(await exportOutcomes(pool, cfg, () => undefined)).toBe(0);
});

it('a live claim keeps other exporters off', async () => {
  const id = await sentMessage('eve');
  expect((await claimPendingOutcomes(pool, 100, 60_000)).map((o) => o.message?.message_id)).toEqual([id]);
  expect(await claimPendingOutcomes(pool, 100, 60_000)).toEqual([]);
  expect(await exportOutcomes(pool, cfg, () => undefined)).toBe(0);
  expect(atSegment(id)).toEqual([]);
  expect(await stateOf(id)).toBe('pending');
});
