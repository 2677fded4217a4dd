/**
 * A CPU profile of the bench process's main thread (Homing's event loop) while
 * something runs, summed up by where the time went: npm package, Homing source
 * file, Node internal module, or native function.
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs, on the monotonic clock that process.hrtime reads. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Share of the sampled time the thread was not idle. */
  busyPercent: number;
  /** Self time by where it was spent, percent of busy time, biggest first. */
  self: Array<{ what: string; percent: number }>;
  /** Time spent in or under each of a few layers (a frame counts once per sample), percent of busy time. */
  inclusive: Array<{ what: string; percent: number }>;
}

function where(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `${functionName || 'anonymous'} (native)`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  const own = url.match(/\/dist\/((?:src|activities|workflows)\/.*)\.js$/);
  if (own) return `homing ${own[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/^(node:[^/]+).*$/, '$1');
  return url;
}

/** The layers whose inclusive time is reported. */
const LAYERS: Array<[string, (w: string) => boolean]> = [
  ['express + router (and their helpers)', (w) => /^(express|router|body-parser|finalhandler|send|etag|fresh|parseurl|on-finished|content-type|type-is|accepts|negotiator|mime|qs)$/.test(w)],
  ['pg + pg-protocol', (w) => /^(pg|pg-protocol|pg-pool|pg-types)$/.test(w)],
  ['zod (event validation)', (w) => w === 'zod'],
  ['prom-client (metrics)', (w) => w === 'prom-client'],
  ['Homing src/http', (w) => w.startsWith('homing src/http')],
  ['Homing src/ingest + src/db', (w) => w.startsWith('homing src/ingest') || w.startsWith('homing src/db')],
  ['node:_http_* (HTTP server)', (w) => /^node:_http/.test(w)],
  ['native socket writes (writev/writeBuffer/writeUtf8String)', (w) => /^(writev|writeBuffer|writeUtf8String|writeLatin1String) \(native\)$/.test(w)],
  ['garbage collector', (w) => w === '(garbage collector)'],
];

/**
 * Only samples between fromUs and toUs count: outside is the profiler's own
 * start and stop (serializing the profile shows up as a native "dispatch").
 */
export function summarizeProfile(p: CpuProfile, fromUs = -Infinity, toUs = Infinity): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeAt = new Map<number, number>();
  let total = 0;
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) return;
    timeAt.set(id, (timeAt.get(id) ?? 0) + dt);
    total += dt;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  for (const [id, t] of timeAt) {
    const w = where(byId.get(id)!.callFrame);
    if (w === '(idle)') {
      idle += t;
      continue;
    }
    self.set(w, (self.get(w) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cw = where(byId.get(cur)!.callFrame);
      for (const [layer, test] of LAYERS) {
        if (!seen.has(layer) && test(cw)) {
          seen.add(layer);
          inclusive.set(layer, (inclusive.get(layer) ?? 0) + t);
        }
      }
    }
  }
  const busy = Math.max(1, total - idle);
  const sorted = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([what, t]) => ({ what, percent: (t / busy) * 100 }));
  return { busyPercent: total > 0 ? ((total - idle) / total) * 100 : 0, self: sorted(self).slice(0, 15), inclusive: sorted(inclusive) };
}

/** Runs fn with the V8 sampling profiler on this thread. */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const result = await fn();
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile: summarizeProfile(profile, fromUs, toUs) };
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
