/**
 * CPU time and disk writes per group of processes (Homing, Postgres, Temporal,
 * load generator...) from /proc, sampled at the start and end of a phase.
 * Postgres is also split by process role (backends, checkpointer, autovacuum...)
 * from the titles its processes set.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { WaitProfile } from './waits';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface ProcStat {
  ppid: number;
  /** user + system CPU seconds, all threads. */
  cpu: number;
}

function readStat(pid: number, mainThread = false): ProcStat | undefined {
  try {
    const text = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state ppid ... utime(12th) stime(13th).
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), cpu: (Number(rest[11]) + Number(rest[12])) / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/**
 * Bytes the process passed to write() and similar calls (`wchar`; 0 if unreadable).
 * Not `write_bytes`: that counts page-cache pages each time they are dirtied, so a
 * WAL page rewritten after every fdatasync is counted over and over.
 */
function writeBytes(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/io`, 'utf8').match(/^wchar:\s*(\d+)/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A Postgres process's role from the title it sets ("postgres: checkpointer", "postgres: user db host(port) idle"...). */
function postgresRole(pid: number, isRoot: boolean): string {
  if (isRoot) return 'postmaster';
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
    const m = title.match(/^postgres: (checkpointer|background writer|walwriter|autovacuum launcher|autovacuum worker|logical replication launcher|walsummarizer|archiver|startup)/);
    if (m) return m[1]!;
    if (/^postgres: /.test(title)) return 'backends';
    return 'other';
  } catch {
    return 'other';
  }
}

function allProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.set(Number(name), stat);
  }
  return out;
}

/** A root process and all its descendants make one group; the first matching root wins. */
export interface CpuGroup {
  name: string;
  /** Root pid; undefined to skip. */
  pid: number | undefined;
  /** false: only the root itself (Homing's own process, whose children are other groups). */
  descendants: boolean;
  /** Only the root's main thread (for a Node process: the event loop thread). Counted apart from the other groups. */
  mainThread?: boolean;
  /** Split the group by Postgres process role. */
  postgresRoles?: boolean;
  /** Count client backends as `<name>: <database>` and the server's own processes as `<name>: shared`. */
  postgresDatabases?: boolean;
}

/** The database a Postgres client backend serves, from its title ("postgres: user db host(port) state"). */
function backendDatabase(pid: number): string | undefined {
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
    if (/^postgres: (checkpointer|background writer|walwriter|autovacuum|logical replication|walsummarizer|archiver|startup)/.test(title)) return undefined;
    return /^postgres: \S+ (\S+) /.exec(title)?.[1];
  } catch {
    return undefined;
  }
}

interface PidSample {
  group: string;
  role?: string;
  cpu: number;
  written: number;
}

export interface CpuSnapshot {
  at: number;
  /** Keyed by pid, or `t<pid>` for a main thread. */
  perPid: Map<string, PidSample>;
  system: { busy: number; idle: number; iowait: number; steal: number };
}

function systemTimes(): CpuSnapshot['system'] {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const t = ticksPerSecond();
  return {
    busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / t,
    idle: (idle ?? 0) / t,
    iowait: (iowait ?? 0) / t,
    steal: (steal ?? 0) / t,
  };
}

export function snapshot(groups: CpuGroup[]): CpuSnapshot {
  const procs = allProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, s] of procs) {
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const perPid = new Map<string, PidSample>();
  for (const g of groups) {
    if (g.pid === undefined || !procs.has(g.pid)) continue;
    if (g.mainThread) {
      const thread = readStat(g.pid, true);
      if (thread) perPid.set(`t${g.pid}`, { group: g.name, cpu: thread.cpu, written: 0 });
      continue;
    }
    const stack = [g.pid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (perPid.has(String(pid))) continue;
      perPid.set(String(pid), {
        group: g.postgresDatabases ? `${g.name}: ${(pid !== g.pid && backendDatabase(pid)) || 'shared'}` : g.name,
        role: g.postgresRoles ? postgresRole(pid, pid === g.pid) : undefined,
        cpu: procs.get(pid)!.cpu,
        written: writeBytes(pid),
      });
      if (g.descendants) stack.push(...(children.get(pid) ?? []));
    }
  }
  return { at: Date.now(), perPid, system: systemTimes() };
}

export interface CpuUse {
  wallSeconds: number;
  /** Per group: percent of ONE core (200 % = both cores of this machine). */
  groups: Record<string, number>;
  /** Per group: MB passed to write() per second. */
  writes: Record<string, number>;
  /** Per Postgres role: percent of one core, and MB written per second. */
  roles: Record<string, { cpu: number; writeMBs: number }>;
  /** Whole machine, percent of all cores. */
  systemBusy: number;
  systemIowait: number;
  systemSteal: number;
  /** How late timers fired on Homing's event loop (ms), set by the bench around the phase. */
  loopDelay?: { p50: number; p99: number; max: number };
  /** What Postgres's client backends were doing, sampled; set by the bench. */
  waits?: WaitProfile;
}

/** CPU used between two snapshots. Processes born in between count from zero. */
export function cpuUse(a: CpuSnapshot, b: CpuSnapshot, groupNames: string[]): CpuUse {
  const wall = (b.at - a.at) / 1000;
  const groups: Record<string, number> = Object.fromEntries(groupNames.map((n) => [n, 0]));
  const writes: Record<string, number> = Object.fromEntries(groupNames.map((n) => [n, 0]));
  const roles: CpuUse['roles'] = {};
  for (const [pid, end] of b.perPid) {
    const start = a.perPid.get(pid);
    const same = start !== undefined && start.group === end.group;
    const cpu = ((end.cpu - (same ? start.cpu : 0)) / wall) * 100;
    const mbs = (end.written - (same ? start.written : 0)) / 1024 ** 2 / wall;
    groups[end.group] = (groups[end.group] ?? 0) + cpu;
    writes[end.group] = (writes[end.group] ?? 0) + mbs;
    if (end.role) {
      const r = (roles[end.role] ??= { cpu: 0, writeMBs: 0 });
      r.cpu += cpu;
      r.writeMBs += mbs;
    }
  }
  const busy = b.system.busy - a.system.busy;
  const total = busy + (b.system.idle - a.system.idle) + (b.system.iowait - a.system.iowait) + (b.system.steal - a.system.steal);
  return {
    wallSeconds: wall,
    groups,
    writes,
    roles,
    systemBusy: total > 0 ? (busy / total) * 100 : NaN,
    systemIowait: total > 0 ? ((b.system.iowait - a.system.iowait) / total) * 100 : NaN,
    systemSteal: total > 0 ? ((b.system.steal - a.system.steal) / total) * 100 : NaN,
  };
}

/** Percent of all cores busy over the next `ms` milliseconds. */
export async function machineBusy(ms = 1_000): Promise<number> {
  const a = systemTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = systemTimes();
  const busy = b.busy - a.busy;
  const total = busy + (b.idle - a.idle) + (b.iowait - a.iowait) + (b.steal - a.steal);
  return total > 0 ? (busy / total) * 100 : 0;
}

/**
 * CPU use over consecutive snapshots (e.g. one per second), summed interval by
 * interval: a process that exits in between (an idle pooled connection's
 * backend, closed after 10 s) loses at most one interval, not the whole phase.
 */
export function cpuUseOver(snaps: CpuSnapshot[], groupNames: string[]): CpuUse {
  const parts = snaps.slice(1).map((b, i) => cpuUse(snaps[i]!, b, groupNames));
  if (parts.length === 1) return parts[0]!;
  const wall = parts.reduce((s, p) => s + p.wallSeconds, 0);
  const avg = (f: (p: CpuUse) => number) => (wall > 0 ? parts.reduce((s, p) => s + f(p) * p.wallSeconds, 0) / wall : NaN);
  const perKey = (f: (p: CpuUse) => Record<string, number>) => {
    const keys = new Set(parts.flatMap((p) => Object.keys(f(p))));
    return Object.fromEntries([...keys].map((k) => [k, avg((p) => f(p)[k] ?? 0)]));
  };
  const roleNames = new Set(parts.flatMap((p) => Object.keys(p.roles)));
  return {
    wallSeconds: wall,
    groups: perKey((p) => p.groups),
    writes: perKey((p) => p.writes),
    roles: Object.fromEntries(
      [...roleNames].map((r) => [r, { cpu: avg((p) => p.roles[r]?.cpu ?? 0), writeMBs: avg((p) => p.roles[r]?.writeMBs ?? 0) }]),
    ),
    systemBusy: avg((p) => p.systemBusy),
    systemIowait: avg((p) => p.systemIowait),
    systemSteal: avg((p) => p.systemSteal),
  };
}
