/**
 * Homing's benchmark: `npm run bench`. Starts everything itself (embedded
 * PostgreSQL with the product's default settings, a Temporal dev server, the
 * API and the worker, as `homing start` does), loads it from a separate load
 * generator process, and writes BENCHMARKS.md at the repository root; then
 * section 6 (bench/shape.ts) on targets of its own, the real cluster among them;
 * section 7 (bench/event-waits.ts, runs parked in waitForEvent) is measured
 * with sections 1–5 and written after section 6.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { openDatabase, startApi, startWorker, type RunningApi, type Stoppable } from '../src/services';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres';
import { provisionTemporalBinary } from '../src/embedded/temporal-binaries';
import { startDevServer, type DevServerHandle } from '../src/embedded/temporal-server';
import { packageRoot, VERSION } from '../src/version';
import { machineBusy, type CpuGroup } from './cpu';
import { renderReport } from './report';
import type { BenchReport } from './report-types';
import { SmtpReceiver } from './automation-setup';
import type { BareTemporalReply, BareTemporalRequest } from './bare-temporal';
import { Forked } from './forked';
import { runAutomations } from './automations';
import { renderAutomations, withAutomationsSection, type AutomationRun } from './automations-report';
import { installWorkerProbe, readCounters } from './worker-probe';
import { installProbes, readProbes } from './probes';
import { WaitSampler } from './waits';
import { forkChild, LoadGenerator, stopChild } from './child-processes';
import { fsyncProbe, log, sleep, tempDir } from './host';
import { IngestPhases } from './ingest-phases';
import { measurer } from './measure';
import { postmasterPid } from './pg-stats';
import { PG_STAT_STATEMENTS_FLAGS, StatementCounter } from './pg-statements';
import { runShape, type ShapeReport } from './shape';
import { runEventWaits } from './event-waits';
import { renderEventWaits, withEventWaitsSection, type EventWaitsRun } from './event-waits-report';
import { renderShape, withShapeSection } from './shape-report';
import { renderStudio, runStudioBench, withStudioSection, type StudioReport } from './studio';
import { Client, Connection } from '@temporalio/client';
import { API_KEY, basic, ONLY, SCALE, SETTINGS } from './settings';

/** Before starting, wait (at most QUIET_WAIT_MS) until other processes use less than this share of the machine. */
const QUIET_BUSY_PERCENT = 15;
const QUIET_WAIT_MS = 90_000;
/** Section 7's figures, beside the compiled bench; its section is written last, after section 6's. */
const LAST_EVENT_WAITS = 'last-run-events.json';
/** Section 8's figures. */
const LAST_STUDIO = 'last-run-studio.json';

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

    // --- Infrastructure: the product's own embedded Postgres (plus pg_stat_statements, to count statements) and Temporal dev server.
    const quiet = createLogger('silent');
    const cliPath = provisionTemporalBinary('temporal', path.join(root, '.homing', 'tools'), log);
    const t0 = Date.now();
    const pgDir = path.join(dir, 'data');
    const [pgStarted, temporalStarted] = await Promise.allSettled([
      startEmbeddedPostgres({ dataDir: pgDir, database: 'homing', log: quiet, flags: PG_STAT_STATEMENTS_FLAGS }),
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
      // Section 7's automation (it parks in waitForEvent); the other sections do not map it.
      HOMING_AUTOMATIONS: path.join(root, 'bench', 'automations', 'wait-for-event.ts'),
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
    const statements = await StatementCounter.open(pool);
    const measured = measurer(groups, waits, statements);
    // The bench's own client, to read the runs' histories after each phase.
    const temporalClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    stops.push(['history client', () => temporalClient.connection.close()]);

    const runInfo = (only: boolean) => ({
      only, cores: os.cpus().length, busyBefore, quietWaitMs, loadavgStart, loadavgEnd: os.loadavg(),
      node: process.version, temporal: versions.temporal, postgres: versions.postgres, startupMs,
    });
    const automationPart = async (): Promise<AutomationRun> => {
      const report = await runAutomations({
        homingUrl, adminToken: config.adminToken, trackingSecret: config.trackingSecret, authorization: basic, pool, load: (spec) => load.run(spec), receiver, measured,
        temporalPid: temporal.process.pid, temporalAddress: temporal.address, temporal: temporalClient, bare: bareTemporal, scale: SCALE, log,
        counters: async () => ({ ...readCounters(), wakeUps: readProbes().signals }),
      });
      const info = runInfo(ONLY === 'automations');
      fs.writeFileSync(path.join(__dirname, 'last-run-automations.json'), JSON.stringify({ info, report }, null, 2));
      return { info, report };
    };
    const ingest = new IngestPhases({ load, pool, measured, homingUrl, bareUrl, databaseUrl: pg.url });
    /** Section 7; run() writes its section from the figures. */
    const eventWaitsPart = async (): Promise<void> => {
      const report = await runEventWaits({
        homingUrl, adminToken: config.adminToken, authorization: basic, pool, temporal: temporalClient, ingest, load: (spec) => load.run(spec), measured,
        temporalPid: temporal.process.pid, scale: SCALE, log,
      });
      fs.writeFileSync(path.join(__dirname, LAST_EVENT_WAITS), JSON.stringify({ info: runInfo(ONLY === 'events'), report } satisfies EventWaitsRun, null, 2));
    };
    const benchmarksMd = path.join(root, 'BENCHMARKS.md');
    if (ONLY === 'automations') {
      const automations = await automationPart();
      const existing = fs.existsSync(benchmarksMd) ? fs.readFileSync(benchmarksMd, 'utf8') : '# Benchmarks\n';
      fs.writeFileSync(benchmarksMd, withAutomationsSection(existing, renderAutomations(automations)));
      log(`wrote the automations section of ${benchmarksMd}`);
      return;
    }
    await ingest.preflight();
    if (ONLY === 'events') return await eventWaitsPart();

    const batch = await ingest.homing('homing /v1/batch', `${homingUrl}/v1/batch`, 'batch', 'batch');
    const single = await ingest.homing('homing /segment', `${homingUrl}/segment`, 'single', 'single');

    // The same loads with the worker (and its dispatcher) stopped: what ingest costs alone.
    log('stopping the worker for the API-only phases');
    await worker.stop();
    worker = undefined;
    const apiOnlyBatch = await ingest.apiOnly('API only /v1/batch', `${homingUrl}/v1/batch`, 'batch', 'apionly-batch');
    const apiOnlySingle = await ingest.apiOnly('API only /segment', `${homingUrl}/segment`, 'single', 'apionly-single');
    const { result: profiledLoad, profile } = await ingest.profiledSingle();
    const restartStart = Date.now();
    worker = await launchWorker();
    const restartMs = Date.now() - restartStart;
    const apiOnlyDrain = await ingest.drain();
    log(`worker restarted in ${restartMs} ms; backlog ${apiOnlyDrain.backlog} drained in ${apiOnlyDrain.ms} ms${apiOnlyDrain.drained ? '' : ' (NOT drained)'}`);

    const bareBatch = await ingest.bare('bare batch', 'batch');
    const bareSingle = await ingest.bare('bare single', 'single');

    const lightLatency = await ingest.latency(SETTINGS.lightLatencyRate, SETTINGS.lightLatencyMs, 'latency-light');
    const latency = await ingest.latency(SETTINGS.latencyRate, SETTINGS.latencyMs, 'latency');
    const automations = await automationPart();
    await eventWaitsPart();

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
 * BENCH_RENDER_ONLY=1: rewrite BENCHMARKS.md from the last run's figures (dist/bench/last-run.json,
 * last-run-automations.json, last-run-shape.json, last-run-events.json), e.g. after a change to report.ts; with BENCH_ONLY, only that section.
 */
async function renderOnly(): Promise<void> {
  const out = path.join(packageRoot(), 'BENCHMARKS.md');
  const read = <T>(file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, file), 'utf8')) as T;
  let md = ONLY !== undefined ? fs.readFileSync(out, 'utf8') : renderReport(read<BenchReport>('last-run.json'));
  const part = (only: string, file: string) => (ONLY === undefined || ONLY === only) && fs.existsSync(path.join(__dirname, file));
  if (part('automations', 'last-run-automations.json')) md = withAutomationsSection(md, renderAutomations(read<AutomationRun>('last-run-automations.json')));
  if (part('shape', 'last-run-shape.json')) md = withShapeSection(md, renderShape(read<ShapeReport>('last-run-shape.json'), os.cpus().length));
  if (part('events', LAST_EVENT_WAITS)) md = withEventWaitsSection(md, renderEventWaits(read<EventWaitsRun>(LAST_EVENT_WAITS)));
  if (part('studio', LAST_STUDIO)) md = withStudioSection(md, renderStudio(read<StudioReport>(LAST_STUDIO)));
  fs.writeFileSync(out, md);
  log(`re-rendered ${out} from the last run's figures${ONLY !== undefined ? ` (the ${ONLY} section only)` : ''}`);
}

/**
 * Section 6 after everything of sections 1–5 is stopped: each target starts its own Postgres, Temporal and
 * Homing processes; only the SMTP receiver and the load generator are shared.
 */
async function shapeMain(): Promise<void> {
  const began = Date.now();
  const receiver = await SmtpReceiver.start();
  const loadgenChild = forkChild('loadgen.js');
  try {
    const load = new LoadGenerator(loadgenChild);
    const helpers = [
      { name: 'load generator', pid: loadgenChild.pid, descendants: false },
      { name: 'smtp receiver', pid: receiver.pid, descendants: false },
    ];
    const report = await runShape({ receiver, helpers, load: (spec) => load.run(spec), scale: SCALE, log });
    fs.writeFileSync(path.join(__dirname, 'last-run-shape.json'), JSON.stringify(report, null, 2));
    const out = path.join(packageRoot(), 'BENCHMARKS.md');
    const existing = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '# Benchmarks\n';
    fs.writeFileSync(out, withShapeSection(existing, renderShape(report, os.cpus().length)));
    log(`wrote section 6 of ${out} (${Math.round((Date.now() - began) / 1000)} s)`);
  } finally {
    await stopChild(loadgenChild);
    await receiver.stop();
  }
}

/** Section 7 from the figures main() just recorded: after section 6, which a full run writes last. */
function writeEventWaits(): void {
  const out = path.join(packageRoot(), 'BENCHMARKS.md');
  const figures = JSON.parse(fs.readFileSync(path.join(__dirname, LAST_EVENT_WAITS), 'utf8')) as EventWaitsRun;
  fs.writeFileSync(out, withEventWaitsSection(fs.readFileSync(out, 'utf8'), renderEventWaits(figures)));
  log(`wrote section 7 of ${out}`);
}

/** Section 8, alone on the machine after the others: a Postgres and an API of its own, and Chromium. */
async function studioMain(): Promise<void> {
  const report = await runStudioBench();
  fs.writeFileSync(path.join(__dirname, LAST_STUDIO), JSON.stringify(report, null, 2));
  const out = path.join(packageRoot(), 'BENCHMARKS.md');
  fs.writeFileSync(out, withStudioSection(fs.readFileSync(out, 'utf8'), renderStudio(report)));
  log(`wrote section 8 of ${out}`);
}

const run = async () => {
  if (process.env.BENCH_RENDER_ONLY === '1') return renderOnly();
  if (ONLY === undefined || ONLY === 'automations' || ONLY === 'events') await main();
  if (ONLY === undefined || ONLY === 'shape') await shapeMain();
  if (ONLY === undefined || ONLY === 'events') writeEventWaits();
  if (ONLY === undefined || ONLY === 'studio') await studioMain();
};

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
