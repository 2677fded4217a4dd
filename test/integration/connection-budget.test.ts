import crypto from 'node:crypto';
import { Client } from 'pg';
import { loadConfig, type Config } from '../../src/config';
import { createDatabase } from '../../src/db/create-database';
import type { Pool } from '../../src/db/pool';
import { freePort } from '../../src/embedded/ports';
import { createLogger } from '../../src/logger';
import { openDatabase, poolSizeFor, startApi, startWorker, type RunningApi, type Stoppable } from '../../src/services';
import { ADMIN_TOKEN, API_KEY, basic, eventually, post, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { tempDir } from '../helpers/servers';

/**
 * The production shape (one `homing api`, two `homing worker`s, each with its
 * own pool) under a burst of mapped runs never holds more Postgres connections
 * than the documented budget: api ≤ DATABASE_POOL_SIZE, each worker ≤
 * DATABASE_POOL_SIZE + 1 (its outbox listener).
 */
const POOL_SIZE = 3;
const WORKERS = 2;
const BUDGET = POOL_SIZE + WORKERS * (POOL_SIZE + 1);
const USERS = 150;

let databaseUrl: string;
let config: Config;
let api: RunningApi;
const pools: Pool[] = [];
const workers: Stoppable[] = [];
let monitor: Client;

beforeAll(async () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  databaseUrl = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_budget_${suffix}`);
  const temporalAddress = process.env.HOMING_TEST_TEMPORAL_ADDRESS!;
  const port = await freePort();
  config = loadConfig({
    PORT: String(port),
    HOMING_DATA_DIR: tempDir('homing-budget-'),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `homing-budget-${suffix}`,
    HOMING_API_KEY: API_KEY,
    HOMING_ADMIN_TOKEN: ADMIN_TOKEN,
    TRACKING_SECRET: 'test-tracking-secret',
    LOG_LEVEL: process.env.HOMING_TEST_LOG_LEVEL ?? 'silent',
  });
  const log = createLogger(config.logLevel);
  const open = async (kind: 'api' | 'worker') => {
    const pool = await openDatabase(databaseUrl, log, poolSizeFor(config, kind));
    pools.push(pool);
    return pool;
  };
  api = await startApi({ config, pool: await open('api'), databaseUrl, temporalAddress, log, port });
  for (let i = 0; i < WORKERS; i++) {
    workers.push(await startWorker({ config, pool: await open('worker'), databaseUrl, temporalAddress, log, workflowBundlePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE }));
  }
  monitor = new Client({ connectionString: databaseUrl });
  await monitor.connect();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await api?.stop();
  for (const p of pools) await p.end();
  await monitor?.end();
});

const admin = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${api.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await res.json() };
};

/** Homing's connections to its database, the monitor's own left out. */
const homingConnections = async () =>
  Number((await monitor.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows[0]!.n);

it(`one api and ${WORKERS} workers with DATABASE_POOL_SIZE=${POOL_SIZE} hold at most ${BUDGET} connections through a burst of ${USERS} runs`, async () => {
  const homing = { admin } as unknown as TestHoming;
  await publishTemplates(homing);
  await publishMapping(homing, { id: 'burst', trigger: { type: 'track', event: 'Burst' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });

  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await homingConnections());
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  for (let from = 0; from < USERS; from += 50) {
    const batch = Array.from({ length: 50 }, (_, i) => from + i).flatMap((n) => [
      { type: 'identify', userId: `u${n}`, traits: { name: `U${n}`, email: `u${n}@example.com` }, messageId: `u${n}-identify` },
      { type: 'track', userId: `u${n}`, event: 'Burst', messageId: `u${n}-burst` },
    ]);
    const res = await post(`${api.url}/segment`, JSON.stringify({ batch }), { authorization: basic(API_KEY) });
    expect(res.status).toBe(200);
  }
  await eventually(
    async () => Number((await monitor.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'completed'")).rows[0]!.n) === USERS,
    90_000,
    `all ${USERS} runs to complete`,
  );
  sampling = false;
  await sampler;

  const sent = Number((await monitor.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE status = 'SENT'")).rows[0]!.n);
  expect(sent).toBe(USERS);
  // The pools were in use (more than one process's worth), and never past the budget.
  expect(peak).toBeGreaterThan(POOL_SIZE + 1);
  expect(peak).toBeLessThanOrEqual(BUDGET);
}, 120_000);
