/**
 * The load generator: a process of its own (forked by bench/index.ts), so it
 * does not share Homing's event loop, though it does share the machine's cores.
 * Keep-alive node:http connections, a fixed number of requests in flight.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { automationLoad } from './automation-load';
import { batchBody, identifyEvent, singleBody } from './events';
import { post } from './http-post';
import type { ClosedLoopResult, ClosedLoopSpec, LoadReply, LoadRequest, OpenLoopResult, OpenLoopSpec } from './protocol';
import { Samples, summarize } from './stats';

/** Wall-clock ms with sub-ms resolution (comparable with Postgres timestamps on this host). */
const wallNow = () => performance.timeOrigin + performance.now();

async function closedLoop(spec: ClosedLoopSpec): Promise<ClosedLoopResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency });
  const latencies = new Samples();
  const statuses: Record<string, number> = {};
  let requests = 0;
  let events = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const perRequest = spec.body === 'batch' ? spec.batchSize : 1;
  const start = performance.now();
  const end = start + spec.durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const n = next;
      next += perRequest;
      const body = spec.body === 'batch' ? batchBody(spec.prefix, n, spec.batchSize, spec.identifyEvery) : singleBody(spec.prefix, n, spec.identifyEvery);
      const t0 = performance.now();
      try {
        const res = await post(agent, url, body, spec.authorization);
        const t1 = performance.now();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 200 && res.status < 300) {
          latencies.push(t1 - t0);
          requests++;
          events += perRequest;
        } else {
          errors++;
          firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  const elapsedMs = performance.now() - start;
  agent.destroy();
  return { requests, events, errors, statuses, firstError, elapsedMs, latency: summarize(latencies.values()) };
}

interface Sent {
  sentAt: number;
  seen: boolean;
}

/**
 * Open loop: identifies leave on a fixed schedule whatever the responses do.
 * A poller watches the events rows for applied_at.
 */
async function openLoop(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const db = new Client({ connectionString: spec.databaseUrl });
  await db.connect();
  const sent = new Map<string, Sent>();
  const pending = new Set<string>();
  const http_ = new Samples();
  const lag = new Samples();
  const dbApplied = new Samples();
  const sendToAppliedAt = new Samples();
  const pollObserved = new Samples();
  const appliedToSeen = new Samples();
  const pollQuery = new Samples();
  let httpErrors = 0;
  let firstError: string | undefined;
  let polls = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (n: number, scheduled: number) => {
    const messageId = `${spec.prefix}-${n}`;
    const timestamp = new Date().toISOString();
    const body = JSON.stringify({ ...identifyEvent(messageId, n, timestamp), sentAt: timestamp });
    const sentAt = wallNow();
    lag.push(sentAt - scheduled);
    sent.set(messageId, { sentAt, seen: false });
    pending.add(messageId);
    const p = post(agent, url, body, spec.authorization).then(
      (res) => {
        if (res.status >= 200 && res.status < 300) http_.push(wallNow() - sentAt);
        else {
          httpErrors++;
          firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
          pending.delete(messageId);
        }
      },
      (err: unknown) => {
        httpErrors++;
        firstError ??= String(err);
        pending.delete(messageId);
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  // Sender: whatever the schedule says should have left by now, leaves now.
  const total = Math.round((spec.rate * spec.durationMs) / 1000);
  const interval = 1000 / spec.rate;
  const t0 = wallNow() + 20;
  let count = 0;
  let sendingDone = false;
  let lastSend = t0;
  const sender = new Promise<void>((resolve) => {
    const tick = () => {
      const now = wallNow();
      while (count < total && t0 + count * interval <= now) {
        send(count, t0 + count * interval);
        count++;
      }
      lastSend = now;
      if (count >= total) {
        sendingDone = true;
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, Math.min(interval, t0 + count * interval - wallNow())));
    };
    setTimeout(tick, 20);
  });

  // Poller: a query as soon as the previous one finished plus pollMs.
  // `duplicate_of IS NULL` lets Postgres use the partial unique index on message_id.
  const poller = (async () => {
    let deadline = Infinity;
    while (!(sendingDone && pending.size === 0)) {
      if (sendingDone && deadline === Infinity) deadline = wallNow() + spec.tailMs;
      if (wallNow() > deadline) break;
      if (pending.size > 0) {
        const ids = [...pending];
        const q0 = wallNow();
        const { rows } = await db.query<{ message_id: string; received_ms: string; applied_ms: string }>(
          `SELECT message_id, extract(epoch FROM received_at) * 1000 AS received_ms, extract(epoch FROM applied_at) * 1000 AS applied_ms
           FROM events WHERE message_id = ANY($1::text[]) AND duplicate_of IS NULL AND applied_at IS NOT NULL`,
          [ids],
        );
        const seenAt = wallNow();
        pollQuery.push(seenAt - q0);
        polls++;
        for (const row of rows) {
          const s = sent.get(row.message_id);
          if (!s || s.seen) continue;
          s.seen = true;
          pending.delete(row.message_id);
          const receivedMs = Number(row.received_ms);
          const appliedMs = Number(row.applied_ms);
          dbApplied.push(appliedMs - receivedMs);
          sendToAppliedAt.push(appliedMs - s.sentAt);
          pollObserved.push(seenAt - s.sentAt);
          appliedToSeen.push(seenAt - appliedMs);
        }
      }
      await new Promise((r) => setTimeout(r, spec.pollMs));
    }
  })();

  await sender;
  await Promise.all(inFlight);
  await poller;
  await db.end();
  agent.destroy();
  return {
    sent: count,
    httpErrors,
    firstError,
    sendSpanMs: lastSend - t0,
    scheduleLag: summarize(lag.values()),
    http: summarize(http_.values()),
    applied: dbApplied.length,
    notApplied: pending.size,
    dbApplied: summarize(dbApplied.values()),
    sendToAppliedAt: summarize(sendToAppliedAt.values()),
    pollObserved: summarize(pollObserved.values()),
    appliedToSeen: summarize(appliedToSeen.values()),
    pollQuery: summarize(pollQuery.values()),
    polls,
  };
}

process.on('message', (msg: LoadRequest) => {
  const spec = msg.spec;
  const run = spec.kind === 'closed' ? closedLoop(spec) : spec.kind === 'open' ? openLoop(spec) : automationLoad(spec);
  run.then(
    (result) => process.send!({ id: msg.id, result } satisfies LoadReply),
    (err: unknown) => process.send!({ id: msg.id, error: String((err as Error)?.stack ?? err) } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
