/**
 * The "Automations" section of BENCHMARKS.md, between markers so that a
 * partial run (`BENCH_ONLY=automations`) replaces just this section and keeps
 * the ingest figures of the last full run.
 */
import type { CpuUse } from './cpu';
import type { Summary } from './stats';
import { STAGES } from './automation-analysis';
import type { AutomationReport } from './automations';
import type { PhaseWork, TrackPhase } from './automation-phases';
import type { BareTemporalPhase } from './automation-baseline';
import { workNotes, workTable, type WorkRow } from './report-work';
import { ratio, withMarkedSection } from './report-format';
import type { RunCounters } from './worker-probe';

export const AUTOMATION_GOALS = { p50Ms: 150, p99Ms: 500, runsPerSecond: 200 };

/** The run around the automation phases: the machine, and whether the ingest part ran before them. */
export interface AutomationRunInfo {
  only: boolean;
  cores: number;
  busyBefore: number;
  quietWaitMs: number;
  loadavgStart: number[];
  loadavgEnd: number[];
  node: string;
  temporal: string;
  postgres: string;
  startupMs: number;
}

export interface AutomationRun {
  info: AutomationRunInfo;
  report: AutomationReport;
}

const BEGIN = '<!-- automations:begin -->';
const END = '<!-- automations:end -->';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const dec = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const msf = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(0)) : 'n/a');
const pct = (n: number | undefined) => `${dec(n ?? 0, 0)} %`;
const yes = (ok: boolean) => (ok ? '✅ met' : '❌ not met');
const secs = (ms: number) => `${dec(ms / 1000, 1)} s`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** CPU of processes outside the bench's groups, % of one core. */
function otherCpu(cpu: CpuUse, cores: number): number {
  const known = Object.entries(cpu.groups)
    .filter(([name]) => name !== 'homing main thread')
    .reduce((sum, [, v]) => sum + v, 0);
  return Math.max(0, cpu.systemBusy * cores - known);
}


/** CPU time per run in ms, from a group's share of a core and the run rate. */
const cpuPerRun = (corePercent: number | undefined, runsPerSecond: number) =>
  corePercent === undefined || runsPerSecond <= 0 ? NaN : ((corePercent / 100) * 1000) / runsPerSecond;

const CPU_GROUPS = ['homing', 'homing main thread', 'postgres', 'temporal', 'load generator', 'smtp receiver', 'bare temporal worker'];
const CPU_HEADER = ['Homing (all threads)', 'Homing event loop', 'Postgres', 'Temporal server', 'load generator', 'SMTP receiver', 'bare worker', 'other processes', 'machine busy'];

function cpuCells(cpu: CpuUse, cores: number): string[] {
  return [...CPU_GROUPS.map((g) => pct(cpu.groups[g])), pct(otherCpu(cpu, cores)), pct(cpu.systemBusy)];
}

const startMean = (s: { calls: number; ms: number }) => msf(s.ms / Math.max(1, s.calls));

/** The highest step that kept up (undefined if none did). */
export function bestStep(steps: TrackPhase[]): TrackPhase | undefined {
  return steps.filter((s) => s.keptUp).reduce<TrackPhase | undefined>((best, s) => (!best || s.rate > best.rate ? s : best), undefined);
}

const backlogText = (s: TrackPhase) =>
  Object.entries(s.backlogWhere)
    .filter(([, n]) => n > 0)
    .map(([where, n]) => `${int(n)} ${where}`)
    .join(', ') || 'none';

function stepsTable(r: AutomationReport, cores: number): string {
  return table(
    ['offered tracks/s', 'sent', 'emails', 'emails/s, 2nd half of the step', 'backlog at the last send', 'last email after the last send', 'latency p50 / p99 / max (ms)', 'Temporal start call, mean (ms)', 'kept up', ...CPU_HEADER],
    r.steps.map((s) => [
      String(s.rate),
      int(s.load.sent),
      int(s.accepted),
      int(s.acceptedRate),
      `${int(s.backlogAtEnd)} (${backlogText(s)})`,
      secs(s.tailMs),
      `${msf(s.joined.latency.p50)} / ${msf(s.joined.latency.p99)} / ${msf(s.joined.latency.max)}`,
      startMean(s.counters),
      s.keptUp ? 'yes' : '**no**',
      ...cpuCells(s.cpu, cores),
    ]),
  );
}

function stageTable(light: TrackPhase, steady: TrackPhase): string {
  const row = (label: string, what: string, a: Summary, b: Summary) => [label, what, msf(a.p50), msf(a.p99), msf(b.p50), msf(b.p90), msf(b.p99), msf(b.max)];
  return table(
    ['stage', 'what it covers', `${light.rate}/s p50`, `${light.rate}/s p99`, `${steady.rate}/s p50`, `${steady.rate}/s p90`, `${steady.rate}/s p99`, `${steady.rate}/s max`],
    [
      ...STAGES.map(([name, what]) => row(name, what, light.joined.stages[name], steady.joined.stages[name])),
      row('**send → DATA accepted**', 'the whole way (receiver clock − load generator clock)', light.joined.latency, steady.joined.latency),
    ],
  );
}

function memoryTable(r: AutomationReport): string {
  return table(
    ['when', 'runs parked (24 h wait)', 'workflows in the sticky cache', 'Homing RSS (MiB)', 'main-thread heap used (MiB)', 'external (MiB)', 'Temporal dev server RSS (MiB)'],
    r.memory.map((m) => [
      m.label,
      int(m.parked),
      m.worker ? int(m.worker.numCachedWorkflows) : 'n/a',
      dec(m.homing.rssMiB, 0),
      dec(m.homing.heapUsedMiB, 0),
      dec(m.homing.externalMiB, 0),
      dec(m.temporalRssMiB, 0),
    ]),
  );
}

/** The baseline's shapes that ran (runs recorded before the local shape existed have only the first). */
function bareShapes(r: AutomationReport): Array<{ label: string; burst: BareTemporalPhase; steady: BareTemporalPhase }> {
  return [
    { label: 'activity task', ...r.bare },
    ...(r.bareLocal ? [{ label: 'eager start + local activity', ...r.bareLocal }] : []),
  ];
}

/** Resume latency by whether the run was still in the sticky cache. */
function resumeText(r: AutomationReport): string[] {
  const z = r.resume;
  if (!z) return [];
  const evicted = z.cacheMax !== undefined && z.parkedAfterOldest >= z.cacheMax;
  const row = (label: string, s: Summary) => [label, int(s.count), msf(s.p50), msf(s.p90), msf(s.p99), msf(s.max)];
  return [
    `**Resuming a parked run.** ${int(z.runs)} of the runs parked last and ${int(z.runs)} of those parked first, opened one at a time through their email's open pixel (\`GET /t/o/<token>\`), timed from the request to the run's \`closed_at\`. ` +
      `The sticky cache held ${z.cachedBefore === undefined ? 'n/a' : int(z.cachedBefore)} workflows of at most ${z.cacheMax === undefined ? 'n/a' : int(z.cacheMax)}; ${int(z.parkedAfterOldest)} runs were parked after the first group, so ${evicted ? 'those had been evicted and resume by replaying their history' : 'those were still cached too (the park phase was smaller than the cache: no eviction measured)'}` +
      `${z.failures > 0 ? `; ${int(z.failures)} failed (first: ${z.firstFailure})` : ''}.`,
    '',
    table(['runs', 'opened', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)'], [row('parked last (in the cache)', z.recent), row(`parked first (${evicted ? 'evicted' : 'not evicted'})`, z.oldest)]),
    '',
  ];
}

function workRows(r: AutomationReport): WorkRow[] {
  const homing = (label: string, runs: number, p: { work?: PhaseWork; counters: RunCounters }): WorkRow => ({
    label, runs, work: p.work?.work, wakeUps: p.work?.wakeUps, starts: p.counters.calls, eager: p.counters.eager, statements: p.work?.statements,
  });
  return [
    homing(`Homing: ${int(r.park.runs)} runs at once`, r.park.accepted, r.park),
    homing(`Homing: ${r.latency.rate} tracks/s`, r.latency.accepted, r.latency),
    ...bareShapes(r).flatMap(({ label, burst, steady }) =>
      [burst, steady].map((b): WorkRow => ({
        label: `bare Temporal, ${label}: ${b.rate > 0 ? `${b.rate}/s` : `${int(b.runs)} at once`}`, runs: b.done, work: b.work, wakeUps: 0, starts: b.runs, eager: b.eager, statements: b.statements,
      })),
    ),
  ];
}

function phaseCpuTable(r: AutomationReport, cores: number): string {
  // Per-run counts only where the window holds every run whole (the park phase waits for the last email).
  const idle = (i: number): Array<[string, CpuUse, number]> => (r.idle[i] ? [[r.idle[i].label, r.idle[i].cpu, 0]] : []);
  const rows: Array<[string, CpuUse, number, RunCounters?]> = [
    ...idle(0),
    [`Homing: ${int(r.park.runs)} runs at once`, r.park.cpu, r.park.meanRate, r.park.counters],
    ...idle(1),
    [`Homing: ${r.latency.rate} tracks/s`, r.latency.cpu, r.latency.rate],
    ...idle(2),
    ...bareShapes(r).flatMap(({ label, burst, steady }): Array<[string, CpuUse, number]> => [
      [`bare Temporal, ${label}: ${int(burst.runs)} at once`, burst.cpu, burst.meanRate],
      [`bare Temporal, ${label}: ${steady.rate}/s`, steady.cpu, steady.rate],
    ]),
  ];
  const perRun = (c: RunCounters | undefined, what: 'calls' | 'pgQueries') => (c ? dec(c[what] / Math.max(1, r.park.accepted), 1) : '–');
  return table(
    ['phase', 'runs/s', ...CPU_HEADER, 'CPU ms per run: Homing or the bare worker', 'Temporal server', 'Postgres', 'Postgres queries per run', 'Temporal start calls per run'],
    rows.map(([name, cpu, rate, c]) => [
      name,
      int(rate),
      ...cpuCells(cpu, cores),
      dec(cpuPerRun(name.startsWith('bare') ? cpu.groups['bare temporal worker'] : cpu.groups.homing, rate), 1),
      dec(cpuPerRun(cpu.groups.temporal, rate), 1),
      dec(cpuPerRun(cpu.groups.postgres, rate), 1),
      perRun(c, 'pgQueries'),
      perRun(c, 'calls'),
    ]),
  );
}

function limits(r: AutomationReport, info: AutomationRunInfo): string[] {
  const out: string[] = [];
  const best = bestStep(r.steps);
  const failed = r.steps.find((s) => !s.keptUp);
  const b = r.bare.burst;
  const p = r.park;
  const perRun = (cpu: CpuUse, rate: number) =>
    `Homing ${dec(cpuPerRun(cpu.groups.homing, rate), 1)} ms, Temporal server ${dec(cpuPerRun(cpu.groups.temporal, rate), 1)} ms, Postgres ${dec(cpuPerRun(cpu.groups.postgres, rate), 1)} ms`;
  if (failed) {
    const g = failed.cpu.groups;
    out.push(
      `**Started runs.** ${best ? `The highest step that kept up was ${best.rate} tracks/s` : 'No step kept up'}; at ${failed.rate}/s emails went out at ${int(failed.acceptedRate)}/s and ${int(failed.backlogAtEnd)} runs were without their email at the last send (${backlogText(failed)}). ` +
        `During that step the machine was ${pct(failed.cpu.systemBusy)} busy (${info.cores} cores): Homing ${pct(g.homing)} of a core (its event loop ${pct(g['homing main thread'])}), the Temporal server ${pct(g.temporal)}, Postgres ${pct(g.postgres)}, load generator ${pct(g['load generator'])}, SMTP receiver ${pct(g['smtp receiver'])}, other processes ${pct(otherCpu(failed.cpu, info.cores))}; ` +
        `Temporal start calls took ${startMean(failed.counters)} ms on average.`,
    );
  } else if (best) {
    out.push(`**Started runs.** Every step kept up, up to ${best.rate} tracks/s, the highest offered.`);
  }
  // All the bench's processes together (the load generator and SMTP receiver included: they share the cores).
  const allCpu = (cpu: CpuUse) => Object.entries(cpu.groups).filter(([n]) => n !== 'homing main thread').reduce((sum, [, v]) => sum + v, 0);
  const homingMs = cpuPerRun(allCpu(p.cpu), p.meanRate);
  const bareServer = b.cpu.groups.temporal ?? 0;
  // One process near a full core while the machine has spare CPU: its work is serialized, and it is the limit.
  const serverBound = bareServer >= 85 && b.cpu.systemBusy < 85;
  out.push(
    `**What limits it: the Temporal dev server, and the CPU per run on ${info.cores} cores.** The textbook workflow shape with nothing of Homing in it (a plain client and worker, one no-op activity task, the 24 h wait) ran ${int(b.meanRate)} runs/s on this dev server (best 5 s: ${int(b.peakRate5s)}/s) ` +
      `at ${dec(cpuPerRun(b.cpu.groups.temporal, b.meanRate), 1)} ms of Temporal server CPU and ${dec(cpuPerRun(b.cpu.groups['bare temporal worker'], b.meanRate), 1)} ms of SDK worker CPU per run; ` +
      (serverBound
        ? `the server process stayed at ${pct(bareServer)} of a core while the machine was only ${pct(b.cpu.systemBusy)} busy: its work does not spread over the second core, so about ${int(1000 / cpuPerRun(bareServer, b.meanRate))} runs/s is its own ceiling here, whatever the worker does. `
        : `the machine was ${pct(b.cpu.systemBusy)} busy, the server at ${pct(bareServer)} of a core. `) +
      `Homing, started as fast as it takes them, made ${int(p.meanRate)} runs/s (${dec((p.meanRate / Math.max(0.001, b.meanRate)) * 100, 0)} % of the bare rate) with the machine ${pct(p.cpu.systemBusy)} busy, each run costing ${dec(homingMs, 1)} ms of CPU in all: ${perRun(p.cpu, p.meanRate)}, the load generator and SMTP receiver the rest. ` +
      `Homing's process holds the SDK worker (${dec(cpuPerRun(b.cpu.groups['bare temporal worker'], b.meanRate), 1)} ms per run in the baseline) besides the API, the outbox and shard drain, the start and the send with its ${dec(p.counters.pgQueries / Math.max(1, p.accepted), 0)} Postgres queries, rendering and SMTP; ` +
      `on ${info.cores} cores (${int(info.cores * 1000)} ms of CPU per second) that cost leaves room for ~${int((info.cores * 1000) / homingMs)} runs/s. ` +
      `${AUTOMATION_GOALS.runsPerSecond} runs/s here would have to cost ${dec((info.cores * 1000) / AUTOMATION_GOALS.runsPerSecond, 0)} ms of CPU per run in all — less than the ${dec(cpuPerRun(bareServer + (b.cpu.groups['bare temporal worker'] ?? 0), b.meanRate), 1)} ms that Temporal's server and SDK spend on a run with nothing of Homing in it.`,
  );
  if (r.bareLocal) {
    const l = r.bareLocal.burst;
    out.push(
      `**Against Temporal alone in Homing's own shape.** Started eagerly from a client on the worker's connection, with the send as a local activity (${int(l.eager)} of ${int(l.runs)} starts came back eagerly started), the baseline ran ${int(l.meanRate)} runs/s (the textbook shape: ${int(b.meanRate)}/s) ` +
        `at ${dec(cpuPerRun(l.cpu.groups.temporal, l.meanRate), 1)} ms of Temporal server CPU and ${dec(cpuPerRun(l.cpu.groups['bare temporal worker'], l.meanRate), 1)} ms of SDK worker CPU per run; Homing's ${int(p.meanRate)} runs/s is ${ratio(p.meanRate, l.meanRate)} of it.`,
    );
  }
  const largest = (t: TrackPhase) => STAGES.map(([name]) => [name, t.joined.stages[name].p50] as const).sort((x, y) => y[1] - x[1]);
  const stages = largest(r.latency);
  const lightStages = largest(r.light);
  const s = r.bare.steady;
  out.push(
    `**Latency.** At ${r.light.rate} tracks/s an email was accepted p50 ${msf(r.light.joined.latency.p50)} ms (p99 ${msf(r.light.joined.latency.p99)} ms) after its track was sent; at ${r.latency.rate}/s p50 ${msf(r.latency.joined.latency.p50)} ms, p99 ${msf(r.latency.joined.latency.p99)} ms, the machine ${pct(r.latency.cpu.systemBusy)} busy. ` +
      (r.latency.keptUp
        ? ''
        : `${r.latency.rate}/s is more than this machine sustains (${best ? `${best.rate}/s kept up in the steps` : 'no step kept up'}), so runs queued up through the phase (${int(r.latency.backlogAtEnd)} without their email at the last send) and the latency grew with the queue. `) +
      `The largest stages at ${r.latency.rate}/s (p50): ${stages.slice(0, 3).map(([name, v]) => `${name} ${msf(v)} ms`).join(', ')}; at ${r.light.rate}/s: ${lightStages.slice(0, 3).map(([name, v]) => `${name} ${msf(v)} ms`).join(', ')}. ` +
      `Temporal alone at ${s.rate}/s took p50 ${msf(s.latency.p50)} ms, p99 ${msf(s.latency.p99)} ms from the start call to the activity running (start call p50 ${msf(s.startCall.p50)} ms), with the machine ${pct(s.cpu.systemBusy)} busy.`,
  );
  const [before, after] = r.memory;
  const last = r.memory[r.memory.length - 1];
  if (before && after) {
    const cached = (after.worker?.numCachedWorkflows ?? 0) - (before.worker?.numCachedWorkflows ?? 0);
    out.push(
      `**Memory.** Parking ${int(p.accepted)} runs grew Homing's RSS by ${dec(after.homing.rssMiB - before.homing.rssMiB, 0)} MiB (main heap ${dec(after.homing.heapUsedMiB - before.homing.heapUsedMiB, 0)} MiB) with ${int(cached)} more workflows in the sticky cache: ` +
        `at most ${dec(((after.homing.rssMiB - before.homing.rssMiB) * 1024) / Math.max(1, cached), 0)} KiB per cached workflow (RSS also keeps memory the allocator freed). ` +
        `The cache holds at most ${after.worker ? int(after.worker.maxCachedWorkflows) : 'n/a'} workflows (read from the running worker; the heap limit is ${dec(after.homing.heapLimitMiB / 1024, 1)} GiB); beyond that, parked runs are evicted and cost the worker no state` +
        (last && last !== after
          ? last.homing.rssMiB >= after.homing.rssMiB
            ? `, though RSS still grew by ${dec(last.homing.rssMiB - after.homing.rssMiB, 0)} MiB over the next ${int(last.parked - after.parked)} runs (${dec(last.homing.rssMiB, 0)} MiB with ${int(last.parked)} parked). `
            : `; over the next ${int(last.parked - after.parked)} runs RSS fell by ${dec(after.homing.rssMiB - last.homing.rssMiB, 0)} MiB (${dec(last.homing.rssMiB, 0)} MiB with ${int(last.parked)} parked), so part of the growth after the park phase was the burst's working memory, not the parked runs'. `
          : '. ') +
        `The Temporal server grew by ${dec(after.temporalRssMiB - before.temporalRssMiB, 0)} MiB.`,
    );
  }
  return out;
}

function settingsTable(r: AutomationReport, info: AutomationRunInfo): string {
  const set = r.settings;
  const w = r.memory[r.memory.length - 1]?.worker;
  return table(
    ['', ''],
    [
      ['run', `${r.date}${info.only ? ' — `BENCH_ONLY=automations`: only this part, on a fresh Postgres and Temporal' : ' — after the ingest part above, on the same Postgres and Temporal'}; BENCH_SCALE ${r.scale}${r.scale !== 1 ? ' (shortened: not representative)' : ''}; this part took ${secs(r.totalMs)} (setup ${secs(r.setupMs)})`],
      ['machine', `${info.cores} cores, ${pct(info.busyBefore)} busy before the bench started${info.quietWaitMs > 2_000 ? ` (after waiting ${dec(info.quietWaitMs / 1000, 0)} s for a quiet machine)` : ''}; load average ${info.loadavgStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${info.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')} at the end; Node ${info.node}`],
      ['Homing', 'API + worker in one process (as `homing start` runs them), LOG_LEVEL=silent, EMAIL_PROVIDER=smtp (nodemailer pool with its defaults: 5 connections), SMS_PROVIDER=mailbox'],
      ['Temporal', `${info.temporal.replace(/\s+/g, ' ')}, \`temporal server start-dev\` on SQLite as Homing starts it (journal_mode=wal, synchronous=normal); Homing's worker: ${w ? `maxCachedWorkflows ${int(w.maxCachedWorkflows)} (as read from the running worker), ${w.workflowTaskSlots ?? '?'} workflow task slots, ${w.activityTaskSlots ?? '?'} activity slots` : 'n/a'}`],
      ['Postgres', `${info.postgres.split(' on ')[0]}, embedded, the product's defaults (durable commits)`],
      ['mapping', '`email-then-sms`, created and published through the admin API with its two templates (email: name, order link with click tracking, open pixel, the bench key in the subject; SMS); `wait` and `smsWait` at their 24 h defaults, so every run parks after its email'],
      ['users', `${int(set.users)} identified first (email, name), all applied before the first track; consecutive tracks go to consecutive users`],
      ['SMTP receiver', '`smtp-server` in a process of its own (bench/smtp-receiver.ts), no TLS, no auth; an email counts when its DATA is answered with 250'],
      ['park phase', `${int(set.parkRuns)} tracks to \`/segment\` in batches of ${set.parkPerRequest}, ${set.parkInFlight} requests in flight`],
      ['latency phases', `${set.lightRate} tracks/s for ${secs(set.lightMs)}, then ${set.latencyRate}/s for ${secs(set.latencyMs)}: one track per \`/segment\` request, open loop (sent on schedule whatever the answers)`],
      ['steps', `${set.stepRates.join(', ')} tracks/s, ${secs(set.stepMs)} each, open loop; each starts when the last one's emails are all in; stepping stops at the first step that falls behind (kept up: every email accepted, and at the step's last send at most ${set.keptUpBacklogSeconds} s of offered tracks without their email)`],
      ['baseline', `bench/bare-temporal.ts in its own process: ${int(set.bareRuns)} workflows with ${set.bareConcurrency} start calls in flight, then ${set.latencyRate}/s for ${secs(set.latencyMs)}, on its own task queue of the same dev server, after the Homing phases`],
    ],
  );
}

export function renderAutomations({ info, report: r }: AutomationRun): string {
  const l = r.latency.joined.latency;
  const best = bestStep(r.steps);
  const failed = r.steps.find((s) => !s.keptUp);
  const [before, afterPark] = r.memory;
  const w = afterPark?.worker;
  const p = r.park;
  const canceled = p.runStatuses.canceled ?? 0;
  const phases: Array<[string, CpuUse]> = [
    ['park', p.cpu],
    [`${r.light.rate}/s`, r.light.cpu],
    [`${r.latency.rate}/s`, r.latency.cpu],
    ...r.steps.map((s): [string, CpuUse] => [`step ${s.rate}/s`, s.cpu]),
    ...r.idle.map(({ label, cpu }): [string, CpuUse] => [label, cpu]),
    ['bare burst', r.bare.burst.cpu],
    ['bare steady', r.bare.steady.cpu],
  ];
  const noisy = phases.filter(([, cpu]) => otherCpu(cpu, info.cores) >= 20);
  const goals = table(
    ['Goal', 'Target', 'Result', ''],
    [
      [`event → email accepted by the SMTP server, p50, at ${r.latency.rate} mapped events/s`, `< ${AUTOMATION_GOALS.p50Ms} ms`, `${msf(l.p50)} ms (${int(l.count)} emails; at ${r.light.rate}/s: ${msf(r.light.joined.latency.p50)} ms)`, yes(l.p50 < AUTOMATION_GOALS.p50Ms)],
      [`… p99`, `< ${AUTOMATION_GOALS.p99Ms} ms`, `${msf(l.p99)} ms (at ${r.light.rate}/s: ${msf(r.light.joined.latency.p99)} ms)`, yes(l.p99 < AUTOMATION_GOALS.p99Ms)],
      [
        'highest sustained rate of started runs (open loop; a run counts when its email is accepted)',
        `≥ ${AUTOMATION_GOALS.runsPerSecond}/s`,
        `${best ? `${best.rate}/s kept up` : 'no step kept up'}${failed ? `; at ${failed.rate}/s ${int(failed.acceptedRate)} emails/s, falling behind` : ''}; all at once: ${int(p.meanRate)}/s; Temporal alone: ${int(r.bare.burst.meanRate)}/s`,
        yes((best?.rate ?? 0) >= AUTOMATION_GOALS.runsPerSecond),
      ],
      [
        `worker memory with ${int(p.accepted)} runs parked in their 24 h wait`,
        'report',
        before && afterPark
          ? `Homing RSS ${dec(afterPark.homing.rssMiB, 0)} MiB (+${dec(afterPark.homing.rssMiB - before.homing.rssMiB, 0)} MiB for them), main heap ${dec(afterPark.homing.heapUsedMiB, 0)} MiB; ${w ? `${int(w.numCachedWorkflows)} workflows in the sticky cache (max ${int(w.maxCachedWorkflows)})` : ''}; Temporal dev server RSS ${dec(afterPark.temporalRssMiB, 0)} MiB (+${dec(afterPark.temporalRssMiB - before.temporalRssMiB, 0)} MiB); parked in ${secs(p.parkedMs)}`
          : 'n/a',
        '–',
      ],
    ],
  );
  return [
    BEGIN,
    '## 5. Automations: mapped event → run → email',
    '',
    `Mapped Segment tracks → \`email-then-sms\` runs → emails accepted by a real SMTP server. \`BENCH_ONLY=automations npm run bench\` runs only this part (about ${Math.ceil((r.totalMs + info.startupMs) / 60_000)} minutes) and rewrites only this section.`,
    '',
    ...(noisy.length > 0 ? [`**⚠ Disturbed phases:** processes outside the bench used ≥ 20 % of a core during ${noisy.map(([n, cpu]) => `${n} (${pct(otherCpu(cpu, info.cores))})`).join(', ')}.`, ''] : []),
    goals,
    '',
    settingsTable(r, info),
    '',
    `### ${int(p.runs)} runs started at once, then parked`,
    '',
    `${int(p.load.sent)} tracks sent in ${secs(p.load.spanMs)} (${Object.entries(p.load.statuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')}; ${int(p.load.httpErrors)} HTTP errors). ` +
      `${int(p.accepted)} emails accepted ${secs(p.allAcceptedMs)} after the first send (${int(p.meanRate)}/s; best 5 s: ${int(p.peakRate5s)}/s), ${int(p.duplicates)} duplicates; the worker idle ${secs(p.parkedMs)} after the first send. ` +
      `Runs: ${Object.entries(p.runStatuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')}; their emails: ${Object.entries(p.messageStatuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')}. ` +
      `${int(p.counters.calls)} Temporal start calls, ${startMean(p.counters)} ms each on average, up to ${int(p.counters.maxInFlight)} at once. Peak RSS while parking: Homing ${dec(p.peakHomingRssMiB, 0)} MiB, Temporal ${dec(p.peakTemporalRssMiB, 0)} MiB.` +
      (canceled > 0
        ? ` **${int(canceled)} run(s) ended canceled though the bench asks for no cancel**, as many as the start calls beyond one per run (${int(p.counters.calls - p.runs)}): when two starters read a run as pending (the outbox sweep retries runs pending for over 5 s while the shard drain's start is still in flight), the one whose start comes second gets "already started", finds the run no longer pending and cancels the workflow (\`RunControl.start\` in src/automations/runs.ts).`
        : ''),
    '',
    memoryTable(r),
    '',
    `Homing's figures after a full GC of the main isolate${before?.homing.gcForced ? '' : ' (none could be forced: as found)'}. Workflows run in the SDK's workflow thread (a V8 isolate of its own), so their state shows in RSS, not in the main-thread heap. Only the ${w ? int(w.maxCachedWorkflows) : 'n/a'} most recently active workflows stay cached; a parked run beyond that costs the worker nothing until its timer or a signal brings it back (a replay of its short history).`,
    '',
    ...resumeText(r),
    '### Event → email latency',
    '',
    `${r.light.rate}/s: ${int(r.light.load.sent)} tracks, ${int(r.light.accepted)} emails. ${r.latency.rate}/s: ${int(r.latency.load.sent)} tracks (HTTP p50 ${msf(r.latency.load.http.p50)} ms, p99 ${msf(r.latency.load.http.p99)} ms; sends late p99 ${msf(r.latency.load.scheduleLag.p99)} ms), ${int(r.latency.accepted)} emails, ${int(r.latency.joined.missing)} missing, ${int(r.latency.duplicates)} duplicates; ${r.latency.keptUp ? 'kept up' : `**fell behind** (${int(r.latency.backlogAtEnd)} without their email at the last send)`}. ` +
      'Stages from the timestamps Homing writes (a Postgres `now()` is its transaction\'s start), in ms:',
    '',
    stageTable(r.light, r.latency),
    '',
    '### Steps: the highest sustained rate of started runs',
    '',
    'CPU in % of one core during each step\'s sending.',
    '',
    stepsTable(r, info.cores),
    '',
    '### Homing against Temporal alone',
    '',
    `The same workflow shape without Homing: ${int(r.bare.burst.done)} of ${int(r.bare.burst.runs)} at once in ${secs(r.bare.burst.spanMs)} (${int(r.bare.burst.meanRate)}/s, best 5 s ${int(r.bare.burst.peakRate5s)}/s; start calls p50 ${msf(r.bare.burst.startCall.p50)} ms); ` +
      `at ${r.bare.steady.rate}/s start → activity p50 ${msf(r.bare.steady.latency.p50)} ms, p99 ${msf(r.bare.steady.latency.p99)} ms. CPU in % of one core, and per run:`,
    '',
    phaseCpuTable(r, info.cores),
    '',
    '### Temporal and Postgres work per run',
    '',
    workNotes(r.park.work?.work),
    '',
    workTable(workRows(r)),
    '',
    '### What limits it',
    '',
    ...limits(r, info).flatMap((x) => [x, '']),
    END,
  ].join('\n');
}

/** Puts the section into BENCHMARKS.md's text: in place of the previous one, or at the end. */
export const withAutomationsSection = (markdown: string, section: string) => withMarkedSection(markdown, section, BEGIN, END);
