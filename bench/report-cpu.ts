/** Per-phase tables of BENCHMARKS.md: CPU by process, Postgres by role, where Postgres backends wait. */
import type { CpuUse } from './cpu';
import type { BenchReport } from './report-types';
import { dec, msf, otherCpu, pct, table } from './report-format';

/** "Other processes" at or above this share of one core marks a phase as disturbed. */
const NOISY_OTHER_PERCENT = 20;

const CPU_COLUMNS = ['homing', 'homing main thread', 'postgres', 'temporal', 'load generator', 'bare server'];

const loopDelay = (cpu: CpuUse) => (cpu.loopDelay ? `${msf(cpu.loopDelay.p50)} / ${msf(cpu.loopDelay.p99)}` : 'n/a');

export function cpuRow(label: string, cpu: CpuUse, cores: number): string[] {
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

export function phaseList(r: BenchReport): Array<[string, CpuUse]> {
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
export function waitTable(r: BenchReport, kind: string, columns = 6): string | undefined {
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
export function waitShare(cpu: CpuUse, kind: string, test: (what: string) => boolean): number {
  const states = cpu.waits?.byKind[kind];
  if (!states) return NaN;
  const all = Object.values(states).reduce((x, y) => x + y, 0);
  const part = Object.entries(states).filter(([w]) => test(w)).reduce((x, [, y]) => x + y, 0);
  return all > 0 ? (part / all) * 100 : NaN;
}

export const isWalWait = (w: string) => /^(IO:WalSync|IO:WalWrite|LWLock:WALWrite|IO:WalInitSync|IO:WalInitWrite|LWLock:WALBufMapping|LWLock:WALInsert)$/.test(w);

export function postgresRoleTable(r: BenchReport): string {
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
export function noisyWarning(r: BenchReport): string[] {
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
