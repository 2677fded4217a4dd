/**
 * What the sticky cache size costs when a parked run resumes: K runs parked
 * last (still in the worker's cache) and the K parked first (evicted once more
 * than the cache holds were parked after them) are opened through their
 * email's tracking pixel, one at a time, and timed from the request to the
 * run's `closed_at` in Postgres.
 */
import type { Pool } from 'pg';
import { trackingUrls } from '../src/messaging/tracking';
import { summarize, type Summary } from './stats';
import { workerState } from './worker-probe';

export interface ResumeLatency {
  /** Runs opened per group. */
  runs: number;
  /** The worker's sticky cache: its size in force and how many it held before the opens. */
  cacheMax?: number;
  cachedBefore?: number;
  /** Runs parked after the oldest group: they are out of the cache when this reaches the cache size. */
  parkedAfterOldest: number;
  /** Request → run closed (ms). */
  recent: Summary;
  oldest: Summary;
  failures: number;
  firstFailure?: string;
}

const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function parked(pool: Pool, prefix: string, order: 'ASC' | 'DESC', limit: number): Promise<Array<{ run: string; message: string }>> {
  const { rows } = await pool.query<{ run: string; message: string }>(
    `SELECT r.id AS run, m.id AS message FROM runs r JOIN messages m ON m.run_id = r.id AND m.channel = 'email'
     WHERE r.trigger_message_id LIKE $1 AND r.status = 'running' ORDER BY m.send_started_at ${order} LIMIT $2`,
    [`${prefix}-%`, limit],
  );
  return rows;
}

/** Opens one run's email and waits (at most 60 s) for the run to close; ms from the request to `closed_at`. */
async function openAndWait(pool: Pool, openUrl: string, run: string): Promise<number> {
  const sent = wallNow();
  const res = await fetch(openUrl);
  if (res.status !== 200) throw new Error(`GET open pixel: ${res.status} ${(await res.text()).slice(0, 200)}`);
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(20)) {
    const { rows } = await pool.query<{ closed: string }>(`SELECT extract(epoch FROM closed_at) * 1000 AS closed FROM runs WHERE id = $1 AND closed_at IS NOT NULL`, [run]);
    if (rows[0]) return Number(rows[0].closed) - sent;
  }
  throw new Error(`run ${run} did not close within 60 s of its open`);
}

export async function resumeLatency(pool: Pool, homingUrl: string, trackingSecret: string, prefix: string, runs: number): Promise<ResumeLatency> {
  const urls = trackingUrls(homingUrl, trackingSecret);
  const total = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM runs WHERE trigger_message_id LIKE $1 AND status = 'running'`, [`${prefix}-%`])).rows[0]!.n);
  const recent = await parked(pool, prefix, 'DESC', runs);
  const oldest = await parked(pool, prefix, 'ASC', Math.min(runs, Math.max(0, total - recent.length)));
  const w = workerState();
  const times = { recent: [] as number[], oldest: [] as number[] };
  let failures = 0;
  let firstFailure: string | undefined;
  // Alternating, so that both groups see the same machine.
  for (let i = 0; i < Math.max(recent.length, oldest.length); i++) {
    for (const [group, list] of [['recent', recent], ['oldest', oldest]] as const) {
      const r = list[i];
      if (!r) continue;
      try {
        times[group].push(await openAndWait(pool, urls.openUrl(r.message), r.run));
      } catch (err) {
        failures++;
        firstFailure ??= String(err);
      }
    }
  }
  return {
    runs,
    cacheMax: w?.maxCachedWorkflows,
    cachedBefore: w?.numCachedWorkflows,
    parkedAfterOldest: Math.max(0, total - oldest.length),
    recent: summarize(times.recent),
    oldest: summarize(times.oldest),
    failures,
    firstFailure,
  };
}
