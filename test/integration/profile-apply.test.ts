import { applyShardBatch } from '../../src/ingest/apply';
import { IngestPipeline } from '../../src/ingest/pipeline';
import { shardOf } from '../../src/ingest/shards';
import { startHoming, type TestHoming } from '../helpers/homing';

/**
 * The activity's body, driven directly (no worker), to show what Temporal's
 * retries rely on: overlapping attempts and poison events cannot double-apply
 * or block a shard.
 */
let homing: TestHoming;
let pipeline: IngestPipeline;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
  pipeline = new IngestPipeline(homing.pool);
});
afterAll(() => homing.stop());

const identify = (messageId: string, userId: string, traits: Record<string, unknown>) => ({ messageId, type: 'identify', userId, traits });

it('two overlapping attempts on one shard apply each event once, in order', async () => {
  const user = 'overlap-user';
  const shard = shardOf(user);
  const events = Array.from({ length: 30 }, (_, i) => identify(`overlap-${i}`, user, { step: i, [`s${i}`]: true }));
  await pipeline.ingest(events);
  // Two attempts at once, as when a retry starts while a slow first attempt still runs.
  const [a, b] = await Promise.all([applyShardBatch(homing.pool, shard, { workflowIdPrefix: 'test:', limit: 20 }), applyShardBatch(homing.pool, shard, { workflowIdPrefix: 'test:', limit: 20 })]);
  const rest = await applyShardBatch(homing.pool, shard, { workflowIdPrefix: 'test:', limit: 20 });
  expect(a.applied + b.applied + rest.applied).toBe(30);
  expect(rest.more).toBe(false);
  const { rows } = await homing.pool.query("SELECT traits FROM profiles WHERE user_id = 'overlap-user'");
  expect(rows[0].traits.step).toBe(29);
  expect(Object.keys(rows[0].traits)).toHaveLength(31);
  // Another attempt finds nothing left to do.
  expect(await applyShardBatch(homing.pool, shard, { workflowIdPrefix: 'test:' })).toEqual({ applied: 0, failed: 0, more: false, runs: { start: [], cancel: [], events: [] } });
});

it('an event that cannot be applied is marked with its error and does not block its shard', async () => {
  const user = 'poison-user';
  const shard = shardOf(user);
  await pipeline.ingest([identify('before-poison', user, { a: 1 })]);
  // A queued event whose stored payload no longer validates (e.g. written by an older version).
  const poison = await homing.pool.query(
    `INSERT INTO events (message_id, type, user_id, status, payload) VALUES ('poison', 'identify', $1, 'accepted', '{"type":"identify"}') RETURNING id`,
    [user],
  );
  await homing.pool.query('INSERT INTO outbox (shard, event_id) VALUES ($1, $2)', [shard, poison.rows[0].id]);
  await pipeline.ingest([identify('after-poison', user, { b: 2 })]);

  const result = await applyShardBatch(homing.pool, shard, { workflowIdPrefix: 'test:' });
  expect(result).toMatchObject({ applied: 2, failed: 1 });
  const { rows } = await homing.pool.query("SELECT traits FROM profiles WHERE user_id = 'poison-user'");
  expect(rows[0].traits).toEqual({ a: 1, b: 2 });
  const marked = await homing.pool.query("SELECT error, applied_at FROM events WHERE message_id = 'poison'");
  expect(marked.rows[0].error).toMatch(/^not applied: /);
  expect(marked.rows[0].applied_at).toBeNull();
  expect((await homing.pool.query('SELECT count(*)::int AS n FROM outbox WHERE shard = $1', [shard])).rows[0].n).toBe(0);
});
