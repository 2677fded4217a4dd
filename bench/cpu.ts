/**
 * CPU time per group of processes (Homing, Postgres, Temporal, load
 * generator...) from /proc, sampled at the start and end of a phase.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

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
}

export interface CpuSnapshot {
  at: number;
  /** Keyed by pid, or `t<pid>` for a main thread. */
  perPid: Map<string, { group: string; cpu: number }>;
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
  const perPid = new Map<string, { group: string; cpu: number }>();
  for (const g of groups) {
    if (g.pid === undefined || !procs.has(g.pid)) continue;
    if (g.mainThread) {
      const thread = readStat(g.pid, true);
      if (thread) perPid.set(`t${g.pid}`, { group: g.name, cpu: thread.cpu });
      continue;
    }
    const stack = [g.pid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (perPid.has(String(pid))) continue;
      perPid.set(String(pid), { group: g.name, cpu: procs.get(pid)!.cpu });
      if (g.descendants) stack.push(...(children.get(pid) ?? []));
    }
  }
  return { at: Date.now(), perPid, system: systemTimes() };
}

export interface CpuUse {
  wallSeconds: number;
  /** Per group: percent of ONE core (200 % = both cores of this machine). */
  groups: Record<string, number>;
  /** Whole machine, percent of all cores. */
  systemBusy: number;
  systemIowait: number;
  systemSteal: number;
}

/** CPU used between two snapshots. Processes born in between count from zero. */
export function cpuUse(a: CpuSnapshot, b: CpuSnapshot, groupNames: string[]): CpuUse {
  const wall = (b.at - a.at) / 1000;
  const groups: Record<string, number> = Object.fromEntries(groupNames.map((n) => [n, 0]));
  for (const [pid, end] of b.perPid) {
    const start = a.perPid.get(pid);
    const used = end.cpu - (start && start.group === end.group ? start.cpu : 0);
    groups[end.group] = (groups[end.group] ?? 0) + (used / wall) * 100;
  }
  const busy = b.system.busy - a.system.busy;
  const total = busy + (b.system.idle - a.system.idle) + (b.system.iowait - a.system.iowait) + (b.system.steal - a.system.steal);
  return {
    wallSeconds: wall,
    groups,
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
