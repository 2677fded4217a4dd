import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres';
import { freePort } from '../src/embedded/ports';
import { provisionTemporalBinary } from '../src/embedded/temporal-binaries';
import { packageRoot } from '../src/version';
import { composeSettings } from './compose-settings';
import { GroupProcess, runToEnd } from './processes';
import type { TemporalTools } from './temporal-tools';

/**
 * Distinct free loopback ports below 32768: Temporal keeps membership ports in
 * a SMALLINT column (cluster_membership), so ephemeral ports above it fail the
 * server's start with `out of range for type smallint`.
 */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const wanted = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await freePort(wanted)) === wanted) ports.add(wanted);
  }
  return [...ports];
}

export interface ClusterPostgres {
  handle: EmbeddedPostgresHandle;
  port: number;
  user: string;
  password: string;
  /** A URL of the same server for another database. */
  urlFor(database: string): string;
}

/**
 * One PostgreSQL for Temporal and Homing, as compose's `postgres` service (database `homing` made at start),
 * with fsync off for speed; `flags` come last, so they can turn it back on (the bench does).
 */
export async function startClusterPostgres(dataDir: string, maxConnections: number, flags: string[] = []): Promise<ClusterPostgres> {
  // Open to others: as root, PostgreSQL runs as the `postgres` user and must reach it.
  fs.mkdirSync(dataDir, { mode: 0o755 });
  const handle = await startEmbeddedPostgres({ dataDir, database: 'homing', flags: ['-c', `max_connections=${maxConnections}`, '-c', 'fsync=off', ...flags] });
  const url = new URL(handle.url);
  return {
    handle,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    urlFor(database) {
      const other = new URL(handle.url);
      other.pathname = `/${database}`;
      return other.toString();
    },
  };
}

/** compose's temporal-schema job: create, setup-schema -v 0.0, update-schema, for both databases. */
export async function setupTemporalSchema(tools: TemporalTools, pg: ClusterPostgres, cwd: string): Promise<void> {
  const env = { PATH: process.env.PATH, SQL_USER: pg.user, SQL_PASSWORD: pg.password };
  const tool = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pg.port), '-u', pg.user];
  for (const [db, dir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    for (const step of [['create'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', path.join(tools.schemaDir, dir, 'versioned')]]) {
      await runToEnd(`temporal-sql-tool ${step[0]} ${db}`, tools.sqlTool, [...tool, '--db', db, ...step], { env, cwd });
    }
  }
}

export interface TemporalServer {
  address: string;
  process: GroupProcess;
}

/**
 * compose's `temporal` service: its environment (compose's defaults applied)
 * given to the server binary with no config flags, which renders its embedded
 * config template from it exactly as the temporalio/server image's entrypoint
 * does. Overridden: the addresses (loopback, this Postgres), the dynamic
 * config's path, and ports that are free here instead of 7233 and friends.
 */
export async function startTemporalServer(tools: TemporalTools, pg: ClusterPostgres, dir: string): Promise<TemporalServer> {
  const compose = composeSettings();
  const dynamicConfig = path.join(dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfig, compose.dynamicConfig);
  const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] = await freePorts(9);
  const env = {
    PATH: process.env.PATH,
    ...compose.temporalEnv,
    DB_PORT: String(pg.port),
    POSTGRES_SEEDS: '127.0.0.1',
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfig,
    FRONTEND_GRPC_PORT: String(frontend),
    FRONTEND_HTTP_PORT: String(frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(frontendMembership),
    HISTORY_GRPC_PORT: String(history),
    HISTORY_MEMBERSHIP_PORT: String(historyMembership),
    MATCHING_GRPC_PORT: String(matching),
    MATCHING_MEMBERSHIP_PORT: String(matchingMembership),
    WORKER_GRPC_PORT: String(worker),
    WORKER_MEMBERSHIP_PORT: String(workerMembership),
  };
  const proc = new GroupProcess('temporal-server', tools.server, ['start'], { env, cwd: dir });
  return { address: `127.0.0.1:${frontend}`, process: proc };
}

/** The Temporal CLI, provisioned into the repository's default tools dir as `npm start` does. */
const temporalCli = () => provisionTemporalBinary('temporal', path.join(packageRoot(), '.homing', 'tools'));

export async function cli(args: string[], cwd: string): Promise<string> {
  return runToEnd(`temporal ${args.slice(0, 3).join(' ')}`, temporalCli(), args, { env: { PATH: process.env.PATH, HOME: process.env.HOME }, cwd }, 60_000);
}

/** Retries `fn` while the server runs; its exit ends the wait at once, with its last words. */
async function retry<T>(server: TemporalServer, what: string, attempts: number, delayMs: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!server.process.running) throw new Error(`${what}: the Temporal server exited:\n${server.process.output.slice(-1500)}`);
      if (attempt >= attempts) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/**
 * compose's temporal-namespace job: wait for `cluster health`, then describe
 * or create the namespace. Like compose, Homing starts right after: a
 * namespace is NOT_FOUND for about a second after creation (issue 10), which
 * Homing's startup waits out itself.
 */
export async function createNamespace(server: TemporalServer, namespace: string, cwd: string): Promise<void> {
  const address = ['--address', server.address];
  await retry(server, 'Temporal did not become healthy', 120, 1_000, () => cli(['operator', 'cluster', 'health', ...address], cwd));
  try {
    await cli(['operator', 'namespace', 'describe', '-n', namespace, ...address], cwd);
  } catch {
    await cli(['operator', 'namespace', 'create', '-n', namespace, ...address], cwd);
  }
}
