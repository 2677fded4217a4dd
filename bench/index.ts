/**
 * Homing's benchmark: `npm run bench`. Starts everything itself (embedded
 * PostgreSQL with the product's default settings, a Temporal dev server, the
 * API and the worker, as `homing start` does), loads it from a separate load
 * generator process, and writes BENCHMARKS.md at the repository root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { openDatabase, startApi, startWorker, type RunningApi, type Stoppable } from '../src/services';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres';
import { provisionTemporalBinary } from '../src/embedded/temporal-binaries';
import { startDevServer, type DevServerHandle } from '../src/embedded/temporal-server';
import { packageRoot, VERSION } from '../src/version';
import { cpuUseOver, machineBusy, snapshot, type CpuGroup, type CpuUse } from './cpu';
import type { AutomationLoadResult, AutomationLoadSpec, ClosedLoopResult, ClosedLoopSpec, LoadReply, OpenLoopResult, OpenLoopSpec } from './protocol';
import { renderReport, type BenchReport, type DrainResult, type HomingPhase } from './report';
import { SmtpReceiver } from './automation-setup';
import type { BareTemporalReply, BareTemporalRequest } from './bare-temporal';
import { Forked } from './forked';
import { runAutomations } from './automations';
import { renderAutomations, withAutomationsSection, type AutomationRun } from './automations-report';
import { installWorkerProbe } from './worker-probe';
import { profiled } from './profile';
import { installProbes, probeDelta, readProbes, type ProbeCounters } from './probes';
import { summarize } from './stats';
import { WaitSampler, waitDelta } from './waits';

/** Shortens every phase, for trying the bench out (BENCH_SCALE=0.2); the published run uses 1. */
const SCALE = Number(process.env.BENCH_SCALE ?? '1') || 1;
/** BENCH_ONLY=automations: only the automation part, which rewrites only its section of BENCHMARKS.md. */
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'automations') throw new Error(`BENCH_ONLY=${ONLY}: the only partial run is "automations"`);
const ms = (base: number) => Math.max(500, Math.round(base * SCALE));

export const SETTINGS = {
  concurrency: 32,
  batchSize: 100,
  /** Every 5th event is an identify (goes to the outbox and a profile shard), the rest are tracks. */
  identifyEvery: 5,
  warmupMs: ms(3_000),
  homingPhaseMs: ms(15_000),
  bareWarmupMs: ms(2_000),
  barePhaseMs: ms(8_000),
  latencyRate: 200,
  latencyMs: ms(20_000),
  /** A light load first: the pipeline's own delay when nothing else competes. */
  lightLatencyRate: 20,
  lightLatencyMs: ms(10_000),
  /** Ingest with the worker stopped (the API alone), to show what the worker costs it. */
  apiOnlyMs: ms(6_000),
  /** The API-only single-event load once more, under the V8 profiler. */
  profileMs: ms(4_000),
  pollMs: 10,
  latencyTailMs: 30_000,
  drainTimeoutMs: 60_000,
};

/** Before starting, wait (at most QUIET_WAIT_MS) until other processes use less than this share of the machine. */
const QUIET_BUSY_PERCENT = 15;
const QUIET_WAIT_MS = 90_000;

/** The event-loop delay histogram's timer; what it records beyond this is delay. */
const LOOP_RESOLUTION_MS = 10;

const API_KEY = 'bench-api-key';
const basic = `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`;

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // The postgres system user (Postgres refuses to run as root) must be able to enter it.
  fs.chmodSync(dir, 0o755);
  return dir;
}

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** fdatasync latency of the disk the data dir is on: what one durable commit costs at least. */
function fsyncProbe(dir: string, rounds = 200) {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(8192, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      fs.fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return summarize(times);
}

/** The forked load generator, one request at a time. */
class LoadGenerator {
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: LoadReply) => void>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w({ id: -1, error: `load generator exited with code ${code}` });
      this.waiting.clear();
    });
  }
  run(spec: ClosedLoopSpec): Promise<ClosedLoopResult>;
  run(spec: OpenLoopSpec): Promise<OpenLoopResult>;
  run(spec: AutomationLoadSpec): Promise<AutomationLoadResult>;
  run(spec: ClosedLoopSpec | OpenLoopSpec | AutomationLoadSpec): Promise<ClosedLoopResult | OpenLoopResult | AutomationLoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error !== undefined ? reject(new Error(reply.error)) : resolve(reply.result!)));
      this.child.send({ id, spec });
    });
  }
}

function forkChild(file: string): ChildProcess {
  // The bench's own flags (e.g. --inspect) must not be passed on.
  return fork(path.join(__dirname, file), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function postmasterPid(pgDataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(pgDataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

async function pgCounters(pool: Pool): Promise<{ commits: number; walSyncs: number; walBytes: number }> {
  const { rows } = await pool.query<{ commits: string; wal_sync: string; wal_bytes: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits, wal_sync, wal_bytes FROM pg_stat_wal`,
  );
  const r = rows[0]!;
  return { commits: Number(r.commits), walSyncs: Number(r.wal_sync), walBytes: Number(r.wal_bytes) };
}

async function outboxSize(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
  return Number(rows[0]!.n);
}

async function main(): Promise<void> {
  const began = Date.now();
  const root = packageRoot();
  const dir = tempDir('homing-bench-');
  const stops: Array<[string, () => Promise<void>]> = [];
  let loadgenChild: ChildProcess | undefined;
  let bareChild: ChildProcess | undefined;
  log(`temp dir ${dir}; scale ${SCALE}`);
  const probes = installProbes();
  installWorkerProbe();
  try {
    // The machine is shared: start when whatever else runs on it has calmed down (or after waiting long enough).
    let busyBefore = await machineBusy();
    const quietSince = Date.now();
    while (busyBefore > QUIET_BUSY_PERCENT && Date.now() - quietSince < QUIET_WAIT_MS) {
      log(`machine ${busyBefore.toFixed(0)} % busy before the bench started anything; waiting for it to calm down`);
      await sleep(2_000);
      busyBefore = await machineBusy();
    }
    const quietWaitMs = Date.now() - quietSince;
    const loadavgStart = os.loadavg();
    const fsync = fsyncProbe(dir);
    log(`fdatasync of 8 KiB: p50 ${fsync.p50.toFixed(2)} ms, p99 ${fsync.p99.toFixed(2)} ms`);

    // --- Infrastructure: the product's own embedded Postgres (no extra flags) and Temporal dev server.
    const quiet = createLogger('silent');
    const cliPath = provisionTemporalBinary('temporal', path.join(root, '.homing', 'tools'), log);
    const t0 = Date.now();
    const pgDir = path.join(dir, 'data');
    const [pgStarted, temporalStarted] = await Promise.allSettled([
      startEmbeddedPostgres({ dataDir: pgDir, database: 'homing', log: quiet }),
      startDevServer({ cliPath, dbFile: path.join(dir, 'temporal', 'temporal.db'), namespace: 'default', ui: false, readyTimeoutMs: 120_000 }),
    ]);
    // Whichever started is stopped at the end, even if the other failed.
    if (pgStarted.status === 'fulfilled') stops.push(['postgres', () => pgStarted.value.stop()]);
    if (temporalStarted.status === 'fulfilled') stops.push(['temporal', () => temporalStarted.value.stop()]);
    if (pgStarted.status === 'rejected') throw pgStarted.reason;
    if (temporalStarted.status === 'rejected') throw temporalStarted.reason;
    const pg: EmbeddedPostgresHandle = pgStarted.value;
    const temporal: DevServerHandle = temporalStarted.value;
    log(`postgres ${pg.url.replace(/:[^:@/]+@/, ':***@')}, temporal ${temporal.address} (${Date.now() - t0} ms)`);
    // The mail server the automation part's emails go to (idle during the ingest part, which maps no events).
    const receiver = await SmtpReceiver.start();
    stops.push(['smtp receiver', () => receiver.stop()]);
    // The automation part's baseline: a plain Temporal client and worker (idle until asked).
    const bareTemporal = await Forked.start<BareTemporalRequest, BareTemporalReply>('bare-temporal.js', false);
    stops.push(['bare temporal', () => bareTemporal.stop()]);

    const config = loadConfig({
      PORT: '0',
      HOMING_DATA_DIR: path.join(dir, 'homing'),
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'homing',
      HOMING_API_KEY: API_KEY,
      HOMING_ADMIN_TOKEN: 'bench-admin-token',
      TRACKING_SECRET: 'bench-tracking-secret',
      LOG_LEVEL: 'silent',
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: receiver.url,
      SMS_PROVIDER: 'mailbox',
    });
    const homingLog = createLogger(config.logLevel);
    const pool = await openDatabase(pg.url, homingLog);
    stops.push(['pool', () => pool.end()]);
    const deps = { config, pool, databaseUrl: pg.url, temporalAddress: temporal.address, log: homingLog };
    const tw = Date.now();
    const launchWorker = () => startWorker({ ...deps, onFatal: (err) => log(`worker died: ${String(err)}`) });
    let worker: Stoppable | undefined = await launchWorker();
    stops.push(['worker', async () => worker?.stop()]);
    const api: RunningApi = await startApi({ ...deps, port: 0 });
    stops.push(['api', () => api.stop()]);
    const port = (api.server.address() as { port: number }).port;
    const homingUrl = `http://127.0.0.1:${port}`;
    log(`homing api ${homingUrl}, worker up (${Date.now() - tw} ms, includes bundling the workflows)`);

    loadgenChild = forkChild('loadgen.js');
    const load = new LoadGenerator(loadgenChild);
    bareChild = forkChild('bare-server.js');
    const barePort = await new Promise<number>((resolve, reject) => {
      bareChild!.once('message', (m: { port: number }) => resolve(m.port));
      bareChild!.once('exit', (code) => reject(new Error(`bare server exited with code ${code}`)));
    });
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const startupMs = Date.now() - began;

    const versions = {
      postgres: (await pool.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v,
      temporal: execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim(),
      homing: VERSION,
    };
    const pgSettings = Object.fromEntries(
      (
        await pool.query<{ name: string; setting: string; unit: string | null }>(
          `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name`,
          [['fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers', 'max_connections', 'commit_delay', 'wal_level']],
        )
      ).rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]),
    );

    const waits = new WaitSampler(pg.url);
    await waits.start();
    stops.push(['wait sampler', () => waits.stop()]);

    const groups = (): CpuGroup[] => [
      { name: 'homing', pid: process.pid, descendants: false },
      { name: 'homing main thread', pid: process.pid, descendants: false, mainThread: true },
      { name: 'postgres', pid: postmasterPid(pgDir), descendants: true, postgresRoles: true },
      { name: 'temporal', pid: temporal.process.pid, descendants: true },
      { name: 'load generator', pid: loadgenChild!.pid, descendants: false },
      { name: 'bare server', pid: bareChild!.pid, descendants: false },
      { name: 'smtp receiver', pid: receiver.pid, descendants: false },
      { name: 'bare temporal worker', pid: bareTemporal.pid, descendants: false },
    ];
    const groupNames = groups().map((g) => g.name);
    /** `sampleMs`: a CPU snapshot that often too (long phases, where pooled Postgres backends come and go). */
    const measured = async <T>(fn: () => Promise<T>, sampleMs?: number): Promise<{ result: T; cpu: CpuUse; probes: ProbeCounters }> => {
      // Homing runs in this process: how late its event loop gets to a 10 ms timer shows how long other work blocks it.
      const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
      const snaps = [snapshot(groups())];
      const sampler = sampleMs ? setInterval(() => snaps.push(snapshot(groups())), sampleMs) : undefined;
      const pa = readProbes();
      const wa = waits.read();
      loop.enable();
      const result = await fn().finally(() => clearInterval(sampler));
      loop.disable();
      snaps.push(snapshot(groups()));
      const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
      const cpu = {
        ...cpuUseOver(snaps, groupNames),
        loopDelay: { p50: late(loop.percentile(50)), p99: late(loop.percentile(99)), max: late(loop.max) },
        waits: waitDelta(wa, waits.read()),
      };
      return { result, cpu, probes: probeDelta(pa, readProbes()) };
    };

    const drain = async (): Promise<DrainResult> => {
      const backlog = await outboxSize(pool);
      const start = Date.now();
      const { result: drained, cpu, probes: p } = await measured(async () => {
        while (Date.now() - start < SETTINGS.drainTimeoutMs) {
          if ((await outboxSize(pool)) === 0) return true;
          await sleep(100);
        }
        return false;
      });
      return { backlog, ms: Date.now() - start, drained, left: drained ? 0 : await outboxSize(pool), cpu, probes: p };
    };

    const automationPart = async (): Promise<AutomationRun> => {
      const report = await runAutomations({
        homingUrl, adminToken: config.adminToken, authorization: basic, pool, load: (spec) => load.run(spec), receiver, measured,
        temporalPid: temporal.process.pid, temporalAddress: temporal.address, bare: bareTemporal, scale: SCALE, log,
      });
      const info = {
        only: ONLY === 'automations', cores: os.cpus().length, busyBefore, quietWaitMs, loadavgStart, loadavgEnd: os.loadavg(),
        node: process.version, temporal: versions.temporal, postgres: versions.postgres, startupMs,
      };
      fs.writeFileSync(path.join(__dirname, 'last-run-automations.json'), JSON.stringify({ info, report }, null, 2));
      return { info, report };
    };
    const benchmarksMd = path.join(root, 'BENCHMARKS.md');
    if (ONLY === 'automations') {
      const automations = await automationPart();
      const existing = fs.existsSync(benchmarksMd) ? fs.readFileSync(benchmarksMd, 'utf8') : '# Benchmarks\n';
      fs.writeFileSync(benchmarksMd, withAutomationsSection(existing, renderAutomations(automations)));
      log(`wrote the automations section of ${benchmarksMd}`);
      return;
    }

    // --- Preflight: the events the bench sends are accepted, and identifies get applied.
    {
      const check = await load.run({
        kind: 'closed', url: `${homingUrl}/v1/batch`, authorization: basic, body: 'batch', batchSize: 10, identifyEvery: SETTINGS.identifyEvery,
        concurrency: 1, durationMs: 1, prefix: 'preflight-batch',
      });
      const single = await load.run({
        kind: 'closed', url: `${homingUrl}/segment`, authorization: basic, body: 'single', batchSize: 1, identifyEvery: 1,
        concurrency: 1, durationMs: 1, prefix: 'preflight-single',
      });
      if (check.errors || single.errors) throw new Error(`preflight failed: ${check.firstError ?? single.firstError}`);
      const { rows } = await pool.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM events WHERE message_id LIKE 'preflight-%' GROUP BY status`,
      );
      const bad = rows.filter((r) => r.status !== 'accepted' && r.status !== 'unmapped');
      if (bad.length > 0) throw new Error(`preflight: unexpected event statuses ${JSON.stringify(rows)}`);
      const d = await drain();
      if (!d.drained) throw new Error('preflight: identifies were not applied within the drain timeout');
      log(`preflight ok: ${JSON.stringify(rows)}`);
    }

    const closed = (url: string, body: 'batch' | 'single', durationMs: number, prefix: string, authorization?: string): ClosedLoopSpec => ({
      kind: 'closed', url, authorization, body, batchSize: SETTINGS.batchSize, identifyEvery: SETTINGS.identifyEvery,
      concurrency: SETTINGS.concurrency, durationMs, prefix,
    });

    const homingPhase = async (name: string, url: string, body: 'batch' | 'single', prefix: string): Promise<HomingPhase> => {
      log(`${name}: warm-up ${SETTINGS.warmupMs} ms`);
      await load.run(closed(url, body, SETTINGS.warmupMs, `${prefix}-warmup`, basic));
      await drain();
      log(`${name}: measuring ${SETTINGS.homingPhaseMs} ms`);
      const before = await pgCounters(pool);
      const { result, cpu, probes: p } = await measured(() => load.run(closed(url, body, SETTINGS.homingPhaseMs, prefix, basic)));
      const after = await pgCounters(pool);
      log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, errors ${result.errors}`);
      const d = await drain();
      log(`${name}: outbox backlog ${d.backlog} drained in ${d.ms} ms${d.drained ? '' : ` (NOT drained, ${d.left} left)`}`);
      const { rows } = await pool.query<{ events: string; txns: string; statuses: Record<string, number> }>(
        `SELECT count(*) AS events, count(DISTINCT received_at) AS txns,
           (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM events WHERE message_id LIKE $1 GROUP BY status) s) AS statuses
         FROM events WHERE message_id LIKE $1 AND duplicate_of IS NULL`,
        [`${prefix}-%`],
      );
      const row = rows[0]!;
      return {
        load: result, cpu, probes: p, drain: d,
        stored: Number(row.events), ingestTransactions: Number(row.txns), statuses: row.statuses ?? {},
        commits: after.commits - before.commits, walSyncs: after.walSyncs - before.walSyncs, walBytes: after.walBytes - before.walBytes,
      };
    };

    const barePhase = async (name: string, body: 'batch' | 'single') => {
      await load.run(closed(`${bareUrl}/`, body, SETTINGS.bareWarmupMs, `bare-${body}-warmup`));
      log(`${name}: measuring ${SETTINGS.barePhaseMs} ms`);
      const { result, cpu } = await measured(() => load.run(closed(`${bareUrl}/`, body, SETTINGS.barePhaseMs, `bare-${body}`)));
      log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms`);
      return { load: result, cpu };
    };

    const batch = await homingPhase('homing /v1/batch', `${homingUrl}/v1/batch`, 'batch', 'batch');
    const single = await homingPhase('homing /segment', `${homingUrl}/segment`, 'single', 'single');

    // The same loads with the worker (and its dispatcher) stopped: what ingest costs alone.
    log('stopping the worker for the API-only phases');
    await worker.stop();
    worker = undefined;
    const apiOnlyPhase = async (name: string, url: string, body: 'batch' | 'single', prefix: string) => {
      const { result, cpu, probes: p } = await measured(() => load.run(closed(url, body, SETTINGS.apiOnlyMs, prefix, basic)));
      log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, errors ${result.errors}`);
      return { load: result, cpu, probes: p };
    };
    const apiOnlyBatch = await apiOnlyPhase('API only /v1/batch', `${homingUrl}/v1/batch`, 'batch', 'apionly-batch');
    const apiOnlySingle = await apiOnlyPhase('API only /segment', `${homingUrl}/segment`, 'single', 'apionly-single');
    // Where the API's event loop spends its time on single events (profiled apart: the profiler slows it a little).
    const { result: profiledLoad, profile } = await profiled(() =>
      load.run(closed(`${homingUrl}/segment`, 'single', SETTINGS.profileMs, 'profiled-single', basic)),
    );
    log(`profiled API-only /segment: ${Math.round(profiledLoad.events / (profiledLoad.elapsedMs / 1000))} events/s; event loop busy ${profile.busyPercent.toFixed(0)} %`);
    const restartStart = Date.now();
    worker = await launchWorker();
    const restartMs = Date.now() - restartStart;
    const apiOnlyDrain = await drain();
    log(`worker restarted in ${restartMs} ms; backlog ${apiOnlyDrain.backlog} drained in ${apiOnlyDrain.ms} ms${apiOnlyDrain.drained ? '' : ' (NOT drained)'}`);

    const bareBatch = await barePhase('bare batch', 'batch');
    const bareSingle = await barePhase('bare single', 'single');

    const latencyPhase = async (rate: number, durationMs: number, prefix: string) => {
      log(`identify → profile: ${rate}/s for ${durationMs} ms, open loop`);
      const { result, cpu, probes: p } = await measured(() =>
        load.run({
          kind: 'open', url: `${homingUrl}/segment`, authorization: basic, rate, durationMs,
          prefix, databaseUrl: pg.url, pollMs: SETTINGS.pollMs, tailMs: SETTINGS.latencyTailMs,
        }),
      );
      log(`identify → profile at ${rate}/s: applied ${result.applied}/${result.sent}; poll-observed p50 ${result.pollObserved.p50.toFixed(1)} ms, p99 ${result.pollObserved.p99.toFixed(1)} ms; applied_at − received_at p50 ${result.dbApplied.p50.toFixed(1)} ms`);
      await drain();
      return { rate, durationMs, result, cpu, probes: p };
    };
    const lightLatency = await latencyPhase(SETTINGS.lightLatencyRate, SETTINGS.lightLatencyMs, 'latency-light');
    const latency = await latencyPhase(SETTINGS.latencyRate, SETTINGS.latencyMs, 'latency');
    const automations = await automationPart();

    const cpus = os.cpus();
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        memoryGiB: os.totalmem() / 1024 ** 3,
        node: process.version,
        kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
        platform: `${os.platform()} ${os.arch()}`,
        loadavgStart,
        loadavgEnd: os.loadavg(),
        busyBefore,
        quietWaitMs,
        fsync,
      },
      versions,
      pgSettings,
      settings: SETTINGS,
      scale: SCALE,
      probesInstalled: probes,
      startupMs,
      batch: { homing: batch, bare: bareBatch },
      single: { homing: single, bare: bareSingle },
      apiOnly: { batch: apiOnlyBatch, single: apiOnlySingle, restartMs, drain: apiOnlyDrain, profile, profiledLoad },
      latency,
      lightLatency,
      totalMs: 0,
    };
    report.totalMs = Date.now() - began;
    fs.writeFileSync(benchmarksMd, withAutomationsSection(renderReport(report), renderAutomations(automations)));
    // The raw figures too, beside the compiled bench (dist/ is not committed).
    fs.writeFileSync(path.join(__dirname, 'last-run.json'), JSON.stringify(report, null, 2));
    log(`wrote ${benchmarksMd}`);
  } finally {
    await stopChild(loadgenChild);
    await stopChild(bareChild);
    for (const [name, stop] of stops.reverse()) {
      await stop().catch((err: unknown) => log(`stopping ${name} failed: ${String(err)}`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    log(`stopped everything, removed ${dir} (${Math.round((Date.now() - began) / 1000)} s in all)`);
  }
}

/**
 * BENCH_RENDER_ONLY=1: rewrite BENCHMARKS.md from the last run's figures (dist/bench/last-run.json and
 * last-run-automations.json), e.g. after a change to report.ts; with BENCH_ONLY=automations, only its section.
 */
async function renderOnly(): Promise<void> {
  const out = path.join(packageRoot(), 'BENCHMARKS.md');
  const read = <T>(file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, file), 'utf8')) as T;
  let md = ONLY === 'automations' ? fs.readFileSync(out, 'utf8') : renderReport(read<BenchReport>('last-run.json'));
  if (fs.existsSync(path.join(__dirname, 'last-run-automations.json'))) md = withAutomationsSection(md, renderAutomations(read<AutomationRun>('last-run-automations.json')));
  fs.writeFileSync(out, md);
  log(`re-rendered ${out} from the last run's figures${ONLY === 'automations' ? ' (the automations section only)' : ''}`);
}

(process.env.BENCH_RENDER_ONLY === '1' ? renderOnly() : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
