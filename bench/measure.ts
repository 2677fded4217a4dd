/** Measures one phase: CPU by process group, Homing's event-loop delay, the worker's probes and Postgres waits. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuUseOver, snapshot, type CpuGroup, type CpuUse } from './cpu';
import { probeDelta, readProbes, type ProbeCounters } from './probes';
import { waitDelta, type WaitSampler } from './waits';
import { statementsDelta, type StatementCounter, type StatementCounts } from './pg-statements';

/** The event-loop delay histogram's timer; what it records beyond this is delay. */
const LOOP_RESOLUTION_MS = 10;

/** `sampleMs`: a CPU snapshot that often too (long phases, where pooled Postgres backends come and go). */
export type Measure = <T>(
  fn: () => Promise<T>,
  sampleMs?: number,
) => Promise<{ result: T; cpu: CpuUse; probes: ProbeCounters; statements?: StatementCounts }>;

/** `statements`: Postgres statements per database over the phase, where pg_stat_statements is loaded. */
export function measurer(groups: () => CpuGroup[], waits: WaitSampler | undefined, statements?: StatementCounter): Measure {
  const groupNames = groups().map((g) => g.name);
  return async (fn, sampleMs) => {
    // Homing runs in this process: how late its event loop gets to a 10 ms timer shows how long other work blocks it.
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    const snaps = [snapshot(groups())];
    const sampler = sampleMs ? setInterval(() => snaps.push(snapshot(groups())), sampleMs) : undefined;
    const pa = readProbes();
    const wa = waits?.read();
    const sa = await statements?.read();
    loop.enable();
    const result = await fn().finally(() => clearInterval(sampler));
    loop.disable();
    snaps.push(snapshot(groups()));
    const sb = await statements?.read();
    const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    const cpu = {
      ...cpuUseOver(snaps, groupNames),
      loopDelay: { p50: late(loop.percentile(50)), p99: late(loop.percentile(99)), max: late(loop.max) },
      waits: waits && wa ? waitDelta(wa, waits.read()) : undefined,
    };
    return { result, cpu, probes: probeDelta(pa, readProbes()), statements: sa && sb ? statementsDelta(sa, sb) : undefined };
  };
}
