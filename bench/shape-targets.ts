/**
 * Where section 6 runs its workload, each target started, measured and
 * stopped on its own: `dev` (the Temporal dev server and `homing start`, one
 * process), `cluster` (the real Temporal server of docker-compose.yml on
 * PostgreSQL, `homing api` + 2 `homing worker`s, as `npm run test:cluster`
 * starts them) and `external` (BENCH_TEMPORAL_ADDRESS + BENCH_DATABASE_URL,
 * Homing's processes as in `cluster`). Homing always runs as child processes
 * with the bench's probes preloaded (bench/child-probe.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Pool } from 'pg';
import { startEmbeddedPostgres } from '../src/embedded/postgres';
import { provisionTemporalBinary } from '../src/embedded/temporal-binaries';
import { startDevServer } from '../src/embedded/temporal-server';
import { packageRoot } from '../src/version';
import { composeSettings } from '../cluster/compose-settings';
import { HomingDeployment } from '../cluster/homing-deployment';
import { createNamespace, setupTemporalSchema, startClusterPostgres, startTemporalServer } from '../cluster/temporal-cluster';
import { provisionTemporalTools, TEMPORAL_VERSION, toolsCacheDir } from '../cluster/temporal-tools';
import type { CpuGroup } from './cpu';
import type { HomingCounters } from './automation-phases';
import { PROBE_FILE } from './child-probe';
import { postmasterPid } from './pg-stats';
import { PG_STAT_STATEMENTS_FLAGS, StatementCounter } from './pg-statements';
import type { ProbeCounters } from './probes';
import type { RunCounters, WorkerState } from './worker-probe';

export type TargetName = 'dev' | 'cluster' | 'external';

export interface ShapeTarget {
  name: TargetName;
  /** What runs, for the report. */
  temporal: string;
  homing: string;
  temporalAddress: string;
  homingUrl: string;
  /** Homing's database. */
  pool: Pool;
  /** undefined: the server lacks pg_stat_statements ("not measured"). */
  statements?: StatementCounter;
  groups(): CpuGroup[];
  /** Homing's processes' counters, summed. */
  counters(): Promise<HomingCounters>;
  /** The workers' sticky cache as their probes last wrote it. */
  workers(): WorkerState[];
  temporalPid?: number;
  stop(): Promise<void>;
}

/** The bench's probes, preloaded into every Homing process it starts. */
const PRELOAD = { NODE_OPTIONS: `--require ${path.join(__dirname, 'child-probe.js')}` };

interface ProbeFile {
  probes: ProbeCounters;
  counters: RunCounters;
  worker?: WorkerState;
}

function probeFiles(dir: string): ProbeFile[] {
  return fs
    .readdirSync(dir)
    .filter((d) => d.startsWith('homing-'))
    .map((d) => path.join(dir, d, PROBE_FILE))
    .filter((f) => fs.existsSync(f))
    .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ProbeFile);
}

/** Sums the probe files; waits out one write interval first, so the phase's last counts are in. */
async function childCounters(dir: string): Promise<HomingCounters> {
  await new Promise((r) => setTimeout(r, 600));
  const sum: HomingCounters = { calls: 0, ms: 0, maxInFlight: 0, pgQueries: 0, eager: 0, wakeUps: 0 };
  for (const { probes, counters } of probeFiles(dir)) {
    sum.calls += counters.calls;
    sum.ms += counters.ms;
    sum.maxInFlight = Math.max(sum.maxInFlight, counters.maxInFlight);
    sum.pgQueries += counters.pgQueries;
    sum.eager += counters.eager ?? 0;
    sum.wakeUps += probes.signals;
  }
  return sum;
}

/** The Temporal binaries the cluster target needs, or why they are missing. */
export function clusterToolsMissing(): string | undefined {
  const bin = toolsCacheDir();
  const server = process.env.TEMPORAL_SERVER_PATH || path.join(bin, 'server');
  const sql = process.env.TEMPORAL_SQL_TOOL_PATH || path.join(bin, 'sql');
  if (fs.existsSync(server) && fs.existsSync(sql)) return undefined;
  return `the real Temporal server ${TEMPORAL_VERSION} is not built on this machine (looked for ${server} and ${sql}): \`npm run test:cluster\` builds it once with Go into that cache, or set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SCHEMA_DIR`;
}

interface Common {
  dir: string;
  smtpUrl: string;
  log(msg: string): void;
}

/** What every target does once Postgres and Temporal are up: Homing's processes, a pool, the counters. */
async function withHoming(
  c: Common,
  name: TargetName,
  infra: { temporal: string; temporalAddress: string; databaseUrl: string; temporalPid?: number; postgresPid?: number; stops: Array<() => Promise<void>> },
  allInOne: boolean,
): Promise<ShapeTarget> {
  const deployment = new HomingDeployment({ dir: c.dir, databaseUrl: infra.databaseUrl, temporalAddress: infra.temporalAddress, smtpUrl: c.smtpUrl, env: PRELOAD });
  infra.stops.push(() => deployment.stop());
  if (allInOne) await deployment.startAllInOne();
  else await deployment.start(2);
  const pool = new Pool({ connectionString: infra.databaseUrl, max: 4 });
  infra.stops.push(() => pool.end());
  const statements = await StatementCounter.open(pool);
  return {
    name,
    temporal: infra.temporal,
    homing: allInOne ? '`homing start` (API + worker in one process)' : '`homing api` + 2 `homing worker` processes',
    temporalAddress: infra.temporalAddress,
    homingUrl: deployment.url,
    pool,
    statements,
    temporalPid: infra.temporalPid,
    groups: () => [
      ...deployment.processes.map((p): CpuGroup => ({ name: `homing ${p.name}`, pid: p.child.pid, descendants: true })),
      // Not on this machine (an external target): left out, so that the report says n/a rather than 0.
      ...(infra.temporalPid ? [{ name: 'temporal', pid: infra.temporalPid, descendants: true }] : []),
      ...(infra.postgresPid ? [{ name: 'postgres', pid: infra.postgresPid, descendants: true, postgresDatabases: true }] : []),
    ],
    counters: () => childCounters(c.dir),
    workers: () => probeFiles(c.dir).flatMap((f) => (f.worker ? [f.worker] : [])),
    async stop() {
      for (const stop of infra.stops.reverse()) await stop().catch((err: unknown) => c.log(`stopping the ${name} target: ${String(err)}`));
    },
  };
}

/** Runs `start`, stopping whatever it had started if it fails part-way. */
async function starting(stops: Array<() => Promise<void>>, start: () => Promise<ShapeTarget>): Promise<ShapeTarget> {
  try {
    return await start();
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

export function startDevTarget(c: Common): Promise<ShapeTarget> {
  const stops: Array<() => Promise<void>> = [];
  return starting(stops, async () => {
    const cliPath = provisionTemporalBinary('temporal', path.join(packageRoot(), '.homing', 'tools'), c.log);
    const pgDir = path.join(c.dir, 'postgres');
    fs.mkdirSync(pgDir, { mode: 0o755 });
    const pg = await startEmbeddedPostgres({ dataDir: pgDir, database: 'homing', flags: PG_STAT_STATEMENTS_FLAGS });
    stops.push(() => pg.stop());
    const dev = await startDevServer({ cliPath, dbFile: path.join(c.dir, 'temporal', 'temporal.db'), namespace: 'default', ui: false, readyTimeoutMs: 120_000 });
    stops.push(() => dev.stop());
    const version = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
    return withHoming(
      c,
      'dev',
      { temporal: `${version}: \`temporal server start-dev\` on SQLite`, temporalAddress: dev.address, databaseUrl: pg.url, temporalPid: dev.process.pid, postgresPid: postmasterPid(pgDir), stops },
      true,
    );
  });
}

export function startClusterTarget(c: Common): Promise<ShapeTarget> {
  const stops: Array<() => Promise<void>> = [];
  return starting(stops, async () => {
    const missing = clusterToolsMissing();
    if (missing) throw new Error(missing);
    const tools = await provisionTemporalTools(c.log);
    const pgDir = path.join(c.dir, 'postgres-data');
    // Durable commits as compose's Postgres has them (the check turns fsync off for speed; a later -c wins).
    const pg = await startClusterPostgres(pgDir, composeSettings().maxConnections, [...PG_STAT_STATEMENTS_FLAGS, '-c', 'fsync=on']);
    stops.push(() => pg.handle.stop());
    await setupTemporalSchema(tools, pg, c.dir);
    const server = await startTemporalServer(tools, pg, c.dir);
    stops.push(() => server.process.stop());
    await createNamespace(server, 'default', c.dir);
    const shards = composeSettings().temporalEnv.NUM_HISTORY_SHARDS;
    return withHoming(
      c,
      'cluster',
      {
        temporal: `Temporal server ${TEMPORAL_VERSION} (built from source), docker-compose.yml's settings (postgres12, ${shards ?? '?'} history shards, its dynamic config)`,
        temporalAddress: server.address,
        databaseUrl: pg.urlFor('homing'),
        temporalPid: server.process.child.pid,
        postgresPid: postmasterPid(pgDir),
        stops,
      },
      false,
    );
  });
}

/** BENCH_TEMPORAL_ADDRESS + BENCH_DATABASE_URL; Temporal's CPU only with BENCH_TEMPORAL_PID (a process on this machine). */
export function startExternalTarget(c: Common): Promise<ShapeTarget> {
  const stops: Array<() => Promise<void>> = [];
  return starting(stops, async () => {
    const temporalAddress = process.env.BENCH_TEMPORAL_ADDRESS;
    const databaseUrl = process.env.BENCH_DATABASE_URL;
    if (!temporalAddress || !databaseUrl) throw new Error('BENCH_TARGET=external needs BENCH_TEMPORAL_ADDRESS and BENCH_DATABASE_URL');
    const pid = Number(process.env.BENCH_TEMPORAL_PID) || undefined;
    return withHoming(c, 'external', { temporal: `external Temporal at ${temporalAddress}${pid ? ` (pid ${pid})` : ' (its CPU not measured: set BENCH_TEMPORAL_PID)'}; external Postgres (its CPU not measured: on this machine it counts as outside load)`, temporalAddress, databaseUrl, temporalPid: pid, stops }, false);
  });
}
