/** Section 7 of BENCHMARKS.md, "Runs waiting for events" (bench/event-waits.ts), between markers of its own. */
import type { CpuUse } from './cpu';
import type { AutomationRunInfo } from './automations-report';
import type { EventWaitsReport, IngestPair } from './event-waits';
import type { HomingPhase } from './report-types';
import type { StatementCounts } from './pg-statements';
import type { Summary } from './stats';
import { dec, int, msf, otherCpu, pct, perSecond, table, withMarkedSection, yes } from './report-format';

const BEGIN = '<!-- event-waits:begin -->';
const END = '<!-- event-waits:end -->';

export const EVENT_WAIT_GOALS = { ingestRatio: 0.9, resumeP50Ms: 100 };
/** "Other processes" at or above this share of one core marks a phase as disturbed (as in sections 1–5). */
const NOISY_OTHER_PERCENT = 20;

export interface EventWaitsRun {
  info: AutomationRunInfo;
  report: EventWaitsReport;
}

const rate = (p: HomingPhase) => perSecond(p.load).events;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Statements in Homing's database per unit of work, where pg_stat_statements counted them. */
const perUnit = (s: StatementCounts | undefined, n: number) => (s && n > 0 ? dec((s.homing ?? 0) / n, 2) : 'n/a');

function ratioRow(body: keyof IngestPair, path: string, r: EventWaitsReport, parked: number): string[] {
  const a = rate(r.without[body]);
  const b = rate(r.withParked[body]);
  return [
    `unrelated track ingest (\`${path}\`) with ${int(parked)} runs parked in \`waitForEvent\`, against none parked`,
    `≥ ${EVENT_WAIT_GOALS.ingestRatio}×`,
    `${int(b)} against ${int(a)} events/s: ${dec(b / a, 2)}×`,
    yes(b / a >= EVENT_WAIT_GOALS.ingestRatio),
  ];
}

const cpuCells = (cpu: CpuUse, cores: number) => [
  pct(cpu.groups.homing ?? 0), pct(cpu.groups['homing main thread'] ?? 0), pct(cpu.groups.postgres ?? 0), pct(cpu.groups.temporal ?? 0), pct(cpu.groups['load generator'] ?? 0), pct(otherCpu(cpu, cores)), pct(cpu.systemBusy),
];
const CPU_HEADER = ['Homing (all threads)', 'Homing main thread', 'Postgres', 'Temporal server', 'load generator', 'other processes', 'machine busy'];

function ingestRow(label: string, p: HomingPhase, cores: number): string[] {
  return [label, int(rate(p)), `${msf(p.load.latency.p50)} / ${msf(p.load.latency.p99)}`, int(p.load.errors), perUnit(p.statements, p.load.events), ...cpuCells(p.cpu, cores)];
}

const stageRow = (name: string, what: string, s: Summary) => [name, what, int(s.count), msf(s.p50), msf(s.p90), msf(s.p99), msf(s.max)];

export function renderEventWaits({ info, report: r }: EventWaitsRun): string {
  const parked = r.park.runStatuses.running ?? 0;
  const m = r.match;
  const l = m.receivedToClosed;
  const [none, full] = r.memory;
  const w = full?.worker;
  const phases: Array<[string, CpuUse]> = [
    ['none parked, /v1/batch', r.without.batch.cpu], ['none parked, /segment', r.without.single.cpu], ['parking', r.park.cpu], ['parked, idle', r.park.idle],
    ['parked, /v1/batch', r.withParked.batch.cpu], ['parked, /segment', r.withParked.single.cpu], ['awaited events', m.cpu],
  ];
  const noisy = phases.filter(([, cpu]) => otherCpu(cpu, info.cores) >= NOISY_OTHER_PERCENT);
  const goals = table(['Goal', 'Target', 'Result', ''], [
    ratioRow('batch', '/v1/batch', r, parked),
    ratioRow('single', '/segment', r, parked),
    [`awaited event received → its run resumed, p50 (\`events.received_at\` → \`runs.closed_at\`)`, `< ${EVENT_WAIT_GOALS.resumeP50Ms} ms`, `${msf(l.p50)} ms (p90 ${msf(l.p90)}, p99 ${msf(l.p99)}; ${int(l.count)} events at ${m.rate}/s); to the workflow task that resumes it: p50 ${msf(m.receivedToTask.p50)} ms`, yes(l.p50 < EVENT_WAIT_GOALS.resumeP50Ms)],
    [
      `worker memory with ${int(parked)} runs parked in \`waitForEvent\``,
      'report',
      none && full
        ? `Homing RSS ${dec(full.homing.rssMiB, 0)} MiB (+${dec(full.homing.rssMiB - none.homing.rssMiB, 0)} MiB for them), main heap ${dec(full.homing.heapUsedMiB, 0)} MiB${w ? `; ${int(w.numCachedWorkflows)} workflows in the sticky cache (max ${int(w.maxCachedWorkflows)})` : ''}; Temporal dev server RSS ${dec(full.temporalRssMiB, 0)} MiB (+${dec(full.temporalRssMiB - none.temporalRssMiB, 0)} MiB)`
        : 'n/a',
      '–',
    ],
  ]);
  const settings = table(['', ''], [
    ['run', `${r.date} — ${info.only ? '`BENCH_ONLY=events`: only this part, on a fresh Postgres and Temporal' : 'after sections 1–5, on the same Postgres and Temporal'}; BENCH_SCALE ${r.scale}${r.scale !== 1 ? ' (shortened: not representative)' : ''}; this part took ${secs(r.totalMs)}`],
    ['machine', `${info.cores} cores, ${dec(info.busyBefore, 0)} % busy before the bench started; load average ${info.loadavgStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${info.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')} at the end; Node ${info.node}`],
    ['Homing', 'API + worker in one process (as `homing start` runs them), LOG_LEVEL=silent; `HOMING_AUTOMATIONS=bench/automations/wait-for-event.ts`'],
    ['Temporal / Postgres', `${info.temporal}, \`temporal server start-dev\` as Homing starts it; ${info.postgres.split(' on ')[0]}, embedded, the product's defaults`],
    ['automation', `\`${r.automation}\`: \`events: ['Feature Used']\`, \`waitForEvent('Feature Used', { timeout: '24h' })\`, then outcome \`goal\`; sends nothing. Mapped from the track \`Bench Wait Started\` by a mapping published through the admin API`],
    ['unrelated ingest', 'section 1\'s closed-loop load generator: 32 requests in flight, every 5th event an identify, the rest `Order Completed` tracks (a name no automation declares) for users `user-0` … `user-9999`; `/v1/batch` (100 events a request), then `/segment` (one), each a warm-up then a measured phase as in sections 1 and 2'],
    ['parked runs', `${int(r.park.runs)} triggers to \`/segment\` in batches of ${r.settings.parkPerRequest}, ${r.settings.parkInFlight} in flight, one per user \`user-0\` … \`user-${r.park.runs - 1}\`; parked = every run \`running\` (its start call returned), the first workflow task done in the histories of the ${r.settings.parkedSample} runs started last, and the worker with no workflow task in hand; then nothing is sent until Homing is at rest (below ${r.settings.restPercent} % of a core over ${secs(r.settings.settleMs)})`],
    ['awaited events', `${int(r.settings.matches)} \`Feature Used\` tracks, ${m.rate}/s, one per \`/segment\` request, open loop, to the users parked first (\`user-0\` on), so to runs long evicted from the sticky cache`],
  ]);
  return [
    BEGIN,
    '## 7. Runs waiting for events',
    '',
    `Runs parked in \`ctx.waitForEvent\`: what they cost unrelated ingest, and how fast an awaited event reaches its run. \`BENCH_ONLY=events npm run bench\` runs only this part (about ${Math.ceil((r.totalMs + info.startupMs) / 60_000)} minutes) and rewrites only this section.`,
    '',
    ...(noisy.length > 0 ? [`**⚠ Disturbed phases:** processes outside the bench used ≥ ${NOISY_OTHER_PERCENT} % of a core during ${noisy.map(([n, cpu]) => `${n} (${pct(otherCpu(cpu, info.cores))})`).join(', ')}; those figures are lower (throughput) or higher (latency) than the machine alone would give.`, ''] : []),
    goals,
    '',
    settings,
    '',
    '### Unrelated ingest, without and with the parked runs',
    '',
    `Parking: ${int(r.park.mapped)} triggers mapped; ${Object.entries(r.park.runStatuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')} after ${secs(r.park.runningMs)} (${dec(parked / (r.park.runningMs / 1000), 0)} runs/s), parked (the first workflow task done in the histories of the ${r.settings.parkedSample} runs started last, and the worker idle) after ${secs(r.park.parkedMs)} (${dec(parked / (r.park.parkedMs / 1000), 0)} runs/s); ${int(r.park.interests)} \`run_event_interests\` rows for \`Feature Used\`; ${perUnit(r.park.statements, parked)} Postgres statements per parked run; peak RSS Homing ${dec(r.park.peakHomingRssMiB, 0)} MiB, Temporal ${dec(r.park.peakTemporalRssMiB, 0)} MiB. CPU in % of one core; statements are \`pg_stat_statements\` calls in Homing's database.`,
    '',
    table(['phase', 'events/s', 'HTTP p50 / p99 (ms)', 'errors', 'Postgres statements per event', ...CPU_HEADER], [
      ingestRow('`/v1/batch`, none parked', r.without.batch, info.cores),
      ingestRow(`\`/v1/batch\`, ${int(parked)} parked`, r.withParked.batch, info.cores),
      ingestRow('`/segment`, none parked', r.without.single, info.cores),
      ingestRow(`\`/segment\`, ${int(parked)} parked`, r.withParked.single, info.cores),
      ['parking', '–', '–', '–', '–', ...cpuCells(r.park.cpu, info.cores)],
      [`${int(parked)} parked, nothing sent: the last ${secs(r.settings.settleMs)} of the ${secs(r.park.restMs)} until Homing was below ${r.settings.restPercent} % of a core${(r.park.idle.groups.homing ?? 0) >= r.settings.restPercent ? ' (it never was)' : ''}`, '–', '–', '–', '–', ...cpuCells(r.park.idle, info.cores)],
    ]),
    '',
    'An unrelated track costs ingest one probe of `run_event_interests`\'s primary key (user, event) in the statement that logs it, whatever is parked; it is not queued and no Temporal call is made for it.',
    '',
    '### Awaited event → run resumed',
    '',
    `${int(m.load.sent)} sent (${Object.entries(m.load.statuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')}; ${int(m.load.httpErrors)} HTTP errors; HTTP p50 ${msf(m.load.http.p50)} ms); runs ended: ${Object.entries(m.outcomes).map(([k, v]) => `${k} ${int(v)}`).join(', ') || 'none'}; ${int(m.notClosed)} not closed within ${secs(r.settings.resumeTimeoutMs)}. ` +
      `${perUnit(m.statements, m.load.sent)} Postgres statements per awaited event, the whole way (ingest, outbox, shard apply and routing, delivery mark, close). ` +
      'The goal is timed to `runs.closed_at`, which the run\'s `closeRun` local activity writes once `waitForEvent` returned: an upper bound of the resume, as it includes the replay and that activity\'s start (routed deliveries are deleted at the close, so `delivered_at` cannot be read afterwards). ' +
      'The run\'s Temporal history gives a lower bound: the workflow task after the `runEvent` signal, handed to the worker. All on one host clock (load generator, Postgres `now()` — its transaction\'s start —, Temporal server); in ms:',
    '',
    table(['stage', 'what it covers', 'events', 'p50', 'p90', 'p99', 'max'], [
      stageRow('send → ingested', 'HTTP send (load generator clock) → `events.received_at`', m.sendToReceived),
      stageRow('ingested → routed', 'outbox → shard drain → the apply transaction that inserts the delivery (`events.applied_at`)', m.receivedToApplied),
      stageRow('routed → signaled', 'commit, then the `runEvent` signal call until Temporal records it (`WORKFLOW_EXECUTION_SIGNALED`)', m.appliedToSignaled),
      stageRow('signaled → task to the worker', 'the workflow task that resumes the run, scheduled and handed out (`WORKFLOW_TASK_STARTED`)', m.signaledToTask),
      stageRow('task → run closed', 'the worker replays the evicted run, `waitForEvent` returns, `closeRun` starts (`runs.closed_at`)', m.taskToClosed),
      stageRow('ingested → resumed (lower bound)', 'to the workflow task that resumes the run', m.receivedToTask),
      stageRow('**ingested → run closed**', 'the goal\'s measure (upper bound)', m.receivedToClosed),
    ]),
    '',
    `CPU while the awaited events went through (% of one core): ${CPU_HEADER.map((h, i) => `${h} ${cpuCells(m.cpu, info.cores)[i]}`).join(', ')}.`,
    '',
    END,
  ].join('\n');
}

/** Puts the section into BENCHMARKS.md's text: in place of the previous one, or at the end. */
export const withEventWaitsSection = (markdown: string, section: string) => withMarkedSection(markdown, section, BEGIN, END);
