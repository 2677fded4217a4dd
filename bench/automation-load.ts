/**
 * The load generator's side of the automation bench: numbered identifies or
 * mapped tracks to /segment, either open loop (a fixed rate, one event per
 * request, sent on schedule whatever the responses do) or as fast as a few
 * batched requests in flight are answered.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { post } from './http-post';
import type { AutomationLoadResult, AutomationLoadSpec } from './protocol';
import { Samples, summarize } from './stats';

const wallNow = () => performance.timeOrigin + performance.now();

function event(spec: AutomationLoadSpec, n: number, timestamp: string): Record<string, unknown> {
  const user = (spec.firstUser + n) % spec.users;
  const userId = `${spec.userPrefix}${user}`;
  const messageId = `${spec.prefix}-${n}`;
  const context = { library: { name: 'homing-bench', version: '1.0.0' } };
  if (spec.type === 'identify') {
    return { type: 'identify', messageId, userId, timestamp, traits: { email: `${userId}@bench.example`, name: `Bench User ${user}`, plan: 'team' }, context };
  }
  return { type: 'track', messageId, userId, event: spec.event, timestamp, properties: { key: messageId, plan: 'team', revenue: 12.5 + (n % 100) }, context };
}

export async function automationLoad(spec: AutomationLoadSpec): Promise<AutomationLoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.rate > 0 ? 256 : spec.inFlight });
  const sentAt: number[] = new Array<number>(spec.count).fill(NaN);
  const statuses: Record<string, number> = {};
  const httpTimes = new Samples();
  const lag = new Samples();
  let httpErrors = 0;
  let firstError: string | undefined;

  /** Sends events first..first+size-1 in one request. */
  const send = async (first: number, size: number): Promise<void> => {
    const timestamp = new Date().toISOString();
    const events = Array.from({ length: size }, (_, i) => event(spec, first + i, timestamp));
    const body = JSON.stringify(size === 1 ? { ...events[0], sentAt: timestamp } : { batch: events, sentAt: timestamp });
    const t0 = wallNow();
    for (let i = 0; i < size; i++) sentAt[first + i] = t0;
    try {
      const res = await post(agent, url, body, spec.authorization);
      if (res.status < 200 || res.status >= 300) {
        httpErrors++;
        firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
        return;
      }
      httpTimes.push(wallNow() - t0);
      for (const r of (JSON.parse(res.body) as { results?: Array<{ status: string }> }).results ?? []) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    } catch (err) {
      httpErrors++;
      firstError ??= String(err);
    }
  };

  const start = wallNow();
  if (spec.rate > 0) {
    const interval = 1000 / spec.rate;
    const t0 = start + 20;
    const inFlight: Array<Promise<void>> = [];
    let n = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = wallNow();
        while (n < spec.count && t0 + n * interval <= now) {
          lag.push(now - (t0 + n * interval));
          inFlight.push(send(n, 1));
          n++;
        }
        if (n >= spec.count) return resolve();
        setTimeout(tick, Math.max(0, t0 + n * interval - wallNow()));
      };
      setTimeout(tick, 20);
    });
    await Promise.all(inFlight);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < spec.count) {
        const first = next;
        const size = Math.min(spec.perRequest, spec.count - first);
        next += size;
        await send(first, size);
      }
    };
    await Promise.all(Array.from({ length: spec.inFlight }, worker));
  }
  agent.destroy();
  const sent = sentAt.filter((t) => !Number.isNaN(t));
  const first = sent.reduce((a, b) => Math.min(a, b), Infinity);
  const last = sent.reduce((a, b) => Math.max(a, b), -Infinity);
  return {
    sent: sent.length,
    sentAt,
    httpErrors,
    firstError,
    statuses,
    spanMs: sent.length > 0 ? last - first : 0,
    scheduleLag: summarize(lag.values()),
    http: summarize(httpTimes.values()),
  };
}
