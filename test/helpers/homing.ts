import crypto from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/http/app';
import { IngestPipeline } from '../../src/ingest/pipeline';
import { lazyClient } from '../../src/temporal/connection';
import { RunControl } from '../../src/automations/runs';
import { loadConfig, type Config } from '../../src/config';
import { createDatabase } from '../../src/db/create-database';
import { createLogger } from '../../src/logger';
import { openDatabase, startApi, startWorker, type Stoppable } from '../../src/services';
import type { Pool } from '../../src/db/pool';
import { tempDir } from './servers';
import { freePort } from '../../src/embedded/ports';

export const API_KEY = 'test-api-key';
export const OLD_API_KEY = 'rotated-out-key';
export const ADMIN_TOKEN = 'test-admin-token';

export interface TestHoming {
  url: string;
  config: Config;
  pool: Pool;
  databaseUrl: string;
  /** Starts (again) the worker and dispatcher, e.g. after stopWorker. */
  startWorker(temporalAddress?: string): Promise<void>;
  stopWorker(): Promise<void>;
  /** A management API call with the admin token. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * A Homing API and worker on the run's shared Postgres server (in a database
 * of its own) and Temporal dev server (on a task queue of its own).
 */
export async function startHoming(
  opts: { temporalAddress?: string; worker?: boolean; env?: Record<string, string>; /** Another Postgres server than the run's shared one. */ databaseServerUrl?: string } = {},
): Promise<TestHoming> {
  const serverUrl = opts.databaseServerUrl ?? process.env.HOMING_TEST_DATABASE_URL!;
  const temporalAddress = opts.temporalAddress ?? process.env.HOMING_TEST_TEMPORAL_ADDRESS!;
  const suffix = crypto.randomBytes(4).toString('hex');
  const databaseUrl = await createDatabase(serverUrl, `homing_${suffix}`);
  // Known before start, so tracking links in messages point at this API.
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOMING_DATA_DIR: tempDir('homing-data-'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `homing-test-${suffix}`,
    HOMING_API_KEY: `${API_KEY},${OLD_API_KEY}`,
    HOMING_ADMIN_TOKEN: ADMIN_TOKEN,
    TRACKING_SECRET: 'test-tracking-secret',
    // Tests click the moment a message arrives, as only machines do in life; machine-engagement.test.ts sets the window.
    ENGAGEMENT_MACHINE_CLICK_SECONDS: '0',
    LOG_LEVEL: process.env.HOMING_TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  const log = createLogger(config.logLevel);
  const pool = await openDatabase(databaseUrl, log);
  const api = await startApi({ config, pool, databaseUrl, temporalAddress, log, port });
  let worker: Stoppable | undefined;
  const homing: TestHoming = {
    url: api.url,
    config,
    pool,
    databaseUrl,
    async startWorker(address = temporalAddress) {
      worker = await startWorker({ config, pool, databaseUrl, temporalAddress: address, log, workflowBundlePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE });
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async admin(path, init = {}) {
      const res = await fetch(`${api.url}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await homing.stopWorker();
      await api.stop();
      await pool.end();
    },
  };
  if (opts.worker !== false) await homing.startWorker();
  return homing;
}

/** Polls `fn` until it returns a truthy value; fails with the last value after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** POSTs a raw body to an ingest route. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/**
 * An app of its own on this Homing's database, with settings of its own (e.g.
 * tiny ingest limits) and no reachable Temporal: for ingest tests that must
 * not disturb the shared API.
 */
export async function startOwnApi(homing: TestHoming, overrides: Partial<AppDeps> = {}): Promise<{ url: string; port: number; close(): void }> {
  const log = createLogger('silent');
  const temporal = lazyClient({ ...homing.config.temporal, address: '127.0.0.1:1' });
  const app = createApp({
    pool: homing.pool,
    pipeline: new IngestPipeline(homing.pool),
    temporal,
    runs: new RunControl({ pool: homing.pool, temporal, taskQueue: 'unused', log }),
    trackingSecret: 'unused',
    namespace: 'default',
    apiKeys: [API_KEY],
    adminToken: ADMIN_TOKEN,
    log,
    version: 'test',
    ...overrides,
  });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
