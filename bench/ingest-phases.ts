/** The ingest part's phases: Homing with and without its worker, a bare Node server, identify → profile latency. */
import type { Pool } from 'pg';
import type { ClosedLoopSpec } from './protocol';
import type { DrainResult, HomingPhase } from './report-types';
import type { LoadGenerator } from './child-processes';
import type { Measure } from './measure';
import { profiled } from './profile';
import { outboxSize, pgCounters } from './pg-stats';
import { log, sleep } from './host';
import { basic, SETTINGS } from './settings';

const closed = (url: string, body: 'batch' | 'single', durationMs: number, prefix: string, authorization?: string): ClosedLoopSpec => ({
  kind: 'closed', url, authorization, body, batchSize: SETTINGS.batchSize, identifyEvery: SETTINGS.identifyEvery,
  concurrency: SETTINGS.concurrency, durationMs, prefix,
});

export class IngestPhases {
  constructor(
    private readonly ctx: { load: LoadGenerator; pool: Pool; measured: Measure; homingUrl: string; bareUrl: string; databaseUrl: string },
  ) {}

  /** Waits (at most SETTINGS.drainTimeoutMs) until the worker has applied the outbox. */
  async drain(): Promise<DrainResult> {
    const { pool, measured } = this.ctx;
    const backlog = await outboxSize(pool);
    const start = Date.now();
    const { result: drained, cpu, probes: p } = await measured(async () => {
      while (Date.now() - start < SETTINGS.drainTimeoutMs) {
        if ((await outboxSize(pool)) === 0) return true;
        await sleep(100);
      }
      return false;
    });
    return { backlog, ms: Date.now() - start, drained, left: drained ? 0 : await outboxSize(pool), cpu, probes: p };
  }

  /** The events the bench sends are accepted, and identifies get applied. */
  async preflight(): Promise<void> {
    const { load, pool, homingUrl } = this.ctx;
    const check = await load.run({
      kind: 'closed', url: `${homingUrl}/v1/batch`, authorization: basic, body: 'batch', batchSize: 10, identifyEvery: SETTINGS.identifyEvery,
      concurrency: 1, durationMs: 1, prefix: 'preflight-batch',
    });
    const single = await load.run({
      kind: 'closed', url: `${homingUrl}/segment`, authorization: basic, body: 'single', batchSize: 1, identifyEvery: 1,
      concurrency: 1, durationMs: 1, prefix: 'preflight-single',
    });
    if (check.errors || single.errors) throw new Error(`preflight failed: ${check.firstError ?? single.firstError}`);
    const { rows } = await pool.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM events WHERE message_id LIKE 'preflight-%' GROUP BY status`,
    );
    const bad = rows.filter((r) => r.status !== 'accepted' && r.status !== 'unmapped');
    if (bad.length > 0) throw new Error(`preflight: unexpected event statuses ${JSON.stringify(rows)}`);
    const d = await this.drain();
    if (!d.drained) throw new Error('preflight: identifies were not applied within the drain timeout');
    log(`preflight ok: ${JSON.stringify(rows)}`);
  }

  async homing(name: string, url: string, body: 'batch' | 'single', prefix: string): Promise<HomingPhase> {
    const { load, pool, measured } = this.ctx;
    log(`${name}: warm-up ${SETTINGS.warmupMs} ms`);
    await load.run(closed(url, body, SETTINGS.warmupMs, `${prefix}-warmup`, basic));
    await this.drain();
    log(`${name}: measuring ${SETTINGS.homingPhaseMs} ms`);
    const before = await pgCounters(pool);
    const { result, cpu, probes: p, statements } = await measured(() => load.run(closed(url, body, SETTINGS.homingPhaseMs, prefix, basic)));
    const after = await pgCounters(pool);
    log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, errors ${result.errors}`);
    const d = await this.drain();
    log(`${name}: outbox backlog ${d.backlog} drained in ${d.ms} ms${d.drained ? '' : ` (NOT drained, ${d.left} left)`}`);
    const { rows } = await pool.query<{ events: string; txns: string; statuses: Record<string, number> }>(
      `SELECT count(*) AS events, count(DISTINCT received_at) AS txns,
         (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM events WHERE message_id LIKE $1 GROUP BY status) s) AS statuses
       FROM events WHERE message_id LIKE $1 AND duplicate_of IS NULL`,
      [`${prefix}-%`],
    );
    const row = rows[0]!;
    return {
      load: result, cpu, probes: p, drain: d, statements,
      stored: Number(row.events), ingestTransactions: Number(row.txns), statuses: row.statuses ?? {},
      commits: after.commits - before.commits, walSyncs: after.walSyncs - before.walSyncs, walBytes: after.walBytes - before.walBytes,
    };
  }

  async bare(name: string, body: 'batch' | 'single') {
    const { load, measured, bareUrl } = this.ctx;
    await load.run(closed(`${bareUrl}/`, body, SETTINGS.bareWarmupMs, `bare-${body}-warmup`));
    log(`${name}: measuring ${SETTINGS.barePhaseMs} ms`);
    const { result, cpu } = await measured(() => load.run(closed(`${bareUrl}/`, body, SETTINGS.barePhaseMs, `bare-${body}`)));
    log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms`);
    return { load: result, cpu };
  }

  /** Run with the worker (and its dispatcher) stopped: what ingest costs alone. */
  async apiOnly(name: string, url: string, body: 'batch' | 'single', prefix: string) {
    const { load, measured } = this.ctx;
    const { result, cpu, probes: p } = await measured(() => load.run(closed(url, body, SETTINGS.apiOnlyMs, prefix, basic)));
    log(`${name}: ${Math.round(result.events / (result.elapsedMs / 1000))} events/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, errors ${result.errors}`);
    return { load: result, cpu, probes: p };
  }

  /** Where the API's event loop spends its time on single events (profiled apart: the profiler slows it a little). */
  async profiledSingle() {
    const { load, homingUrl } = this.ctx;
    const run = await profiled(() => load.run(closed(`${homingUrl}/segment`, 'single', SETTINGS.profileMs, 'profiled-single', basic)));
    log(`profiled API-only /segment: ${Math.round(run.result.events / (run.result.elapsedMs / 1000))} events/s; event loop busy ${run.profile.busyPercent.toFixed(0)} %`);
    return run;
  }

  /** identify → profile applied, open loop at `rate`/s. */
  async latency(rate: number, durationMs: number, prefix: string) {
    const { load, measured, homingUrl, databaseUrl } = this.ctx;
    log(`identify → profile: ${rate}/s for ${durationMs} ms, open loop`);
    const { result, cpu, probes: p } = await measured(() =>
      load.run({
        kind: 'open', url: `${homingUrl}/segment`, authorization: basic, rate, durationMs,
        prefix, databaseUrl, pollMs: SETTINGS.pollMs, tailMs: SETTINGS.latencyTailMs,
      }),
    );
    log(`identify → profile at ${rate}/s: applied ${result.applied}/${result.sent}; poll-observed p50 ${result.pollObserved.p50.toFixed(1)} ms, p99 ${result.pollObserved.p99.toFixed(1)} ms; applied_at − received_at p50 ${result.dbApplied.p50.toFixed(1)} ms`);
    await this.drain();
    return { rate, durationMs, result, cpu, probes: p };
  }
}
