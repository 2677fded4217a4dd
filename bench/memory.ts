/**
 * Memory of the bench's processes: Homing's own (this process, after a full
 * GC of the main isolate when one can be forced) and the resident set of
 * another process tree (the Temporal dev server) from /proc.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/** The GC function, exposed at run time (`npm run bench` passes no --expose-gc); undefined if V8 refuses. */
const gc: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

export interface HomingMemory {
  /** Whether a full GC ran first (the main isolate's figures are then live data, not garbage). */
  gcForced: boolean;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  /** V8's heap limit, from which the Temporal SDK sizes its default sticky cache. */
  heapLimitMiB: number;
}

const mib = (bytes: number) => bytes / 1024 ** 2;

/**
 * Only the main isolate can be collected from here: the Temporal SDK runs
 * workflows in a worker thread of its own, whose heap shows in RSS only.
 */
export function homingMemory(): HomingMemory {
  gc?.();
  const m = process.memoryUsage();
  return {
    gcForced: gc !== undefined,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
    heapLimitMiB: mib(v8.getHeapStatistics().heap_size_limit),
  };
}

function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Children of every thread of the process (a Go program forks from any of its threads). */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Resident set of a process and its descendants, MiB (NaN if the process is gone). */
export function treeRssMiB(pid: number | undefined): number {
  if (pid === undefined || !fs.existsSync(`/proc/${pid}`)) return NaN;
  let kib = 0;
  for (const stack = [pid]; stack.length > 0; ) {
    const p = stack.pop()!;
    kib += rssKiB(p);
    stack.push(...childrenOf(p));
  }
  return kib / 1024;
}
