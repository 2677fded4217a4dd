import path from 'node:path';
import { DRAIN_LINGER_MS, DRAIN_MAX_MS } from '../../activities';
import type { DevServerHandle } from '../../src/embedded/temporal-server';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startTestTemporal, tempDir } from '../helpers/servers';

/** This file runs its own Temporal dev server, to stop and restart it on the same SQLite file. */
let temporal: DevServerHandle;
let homing: TestHoming;
const dbFile = path.join(tempDir('homing-outage-'), 'temporal.db');

beforeAll(async () => {
  temporal = await startTestTemporal(dbFile);
  homing = await startHoming({ temporalAddress: temporal.address });
}, 180_000);
afterAll(async () => {
  await homing?.stop();
  await temporal?.stop();
});

const USERS = ['olga', 'omar', 'oona', 'otto', 'owen'];

async function sendRound(round: number): Promise<string[]> {
  const ids: string[] = [];
  for (const user of USERS) {
    const messageId = `outage-${round}-${user}`;
    ids.push(messageId);
    const res = await post(`${homing.url}/segment`, JSON.stringify({ messageId, type: 'identify', userId: user, traits: { round, [`r${round}`]: true } }), {
      authorization: basic(API_KEY),
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('accepted');
  }
  return ids;
}

const unapplied = async () =>
  (await homing.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'identify' AND duplicate_of IS NULL AND applied_at IS NULL")).rows[0]!.n;

/** A series from /metrics (the worker runs in the test process, so it reports the worker's figures). */
async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${homing.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}
const applications = () => metric(/^homing_profile_events_applied_total\{type="identify"\} (\d+)/m);
const runningDrains = () => metric(/^homing_profile_drains_active (\d+)/m);

it('keeps ingesting while Temporal is down and applies the backlog exactly once when it returns', async () => {
  await sendRound(1);
  await eventually(async () => (await unapplied()) === 0, 30_000, 'round 1 applied');
  // Let the shard drains finish lingering, so what follows depends on Temporal alone
  // (a drain already running keeps applying without Temporal, which is fine but not what this
  // tests). A woken shard may start one more drain right after another ends: wait for a quiet spell.
  let quietSince = Date.now();
  await eventually(async () => {
    if ((await runningDrains()) !== 0) quietSince = Date.now();
    return Date.now() - quietSince > DRAIN_LINGER_MS + 1_000;
  }, DRAIN_MAX_MS, 'drains quiet');

  await temporal.stop();
  const during = [...(await sendRound(2)), ...(await sendRound(3))];
  // Give the dispatcher time to try (and fail) to wake the shards.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await unapplied()).toBe(during.length);
  const ready = await fetch(`${homing.url}/readyz`);
  expect(ready.status).toBe(503);

  const port = Number(temporal.address.split(':')[1]);
  temporal = await startTestTemporal(dbFile, port);
  expect(temporal.address).toBe(`127.0.0.1:${port}`);
  await eventually(async () => (await unapplied()) === 0, 90_000, 'backlog applied after Temporal returned');

  for (const user of USERS) {
    const p = await homing.admin(`/api/profiles/${user}`);
    // Arrival order held across the outage: round 3 was applied last.
    expect(p.body.traits).toEqual({ round: 3, r1: true, r2: true, r3: true });
  }
  const outbox = await homing.pool.query('SELECT count(*)::int AS n FROM outbox');
  expect(outbox.rows[0].n).toBe(0);
  // Each of the 15 identifies was applied exactly once.
  expect(await applications()).toBe(USERS.length * 3);
}, 180_000);
