import { Analytics } from '@segment/analytics-node';
import type { Pool } from 'pg';
import { retryWhileUnavailable } from '../db/pool';
import { claimPendingOutcomes, exportedStatuses, markOutcomes, releaseOutcomes } from '../db/outcomes';
import { EXPORTABLE_OUTCOMES } from '../messaging/status';
import { outcomeEvent, settingOf } from './segment-events';

export interface ExporterConfig {
  /** Unset: outcomes are recorded as `not-exported`. */
  writeKey?: string;
  host: string;
  version: string;
  /** How long a claimed batch is left to its exporter; well over the longest send (see deliver). */
  claimLeaseMs?: number;
}

const BATCH = 100;
const CLAIM_LEASE_MS = 60_000;

/** Sends events with the official client and resolves only when Segment answered 2xx for every one of them. */
async function deliver(cfg: ExporterConfig & { writeKey: string }, events: ReturnType<typeof outcomeEvent>[]): Promise<void> {
  // No retries inside the client: the activity is retried with backoff, and messageIds make a resend harmless.
  const analytics = new Analytics({ writeKey: cfg.writeKey, host: cfg.host, maxRetries: 0, flushAt: events.length, flushInterval: 100, httpRequestTimeout: 10_000 });
  try {
    const results = await Promise.all(events.map((e) => new Promise<unknown>((resolve) => analytics.track(e, (err) => resolve(err)))));
    const failed = results.find((err) => err !== undefined);
    if (failed !== undefined) throw new Error(`Segment did not accept the outcomes: ${(failed as Error).message ?? String(failed)}`);
  } finally {
    await analytics.closeAndFlush({ timeout: 5_000 });
  }
}

/**
 * Exports pending outcomes, oldest first, a batch at a time: claim the batch
 * (one short statement), send it to Segment with no connection held, then mark
 * it. A failure gives the batch back (the calling activity retries), so an
 * outage of Segment delays outcomes and loses none, and a dropped connection
 * or a crash in between costs at most a resend with the same messageIds.
 * Returns how many were exported.
 */
export async function exportOutcomes(pool: Pool, cfg: ExporterConfig, heartbeat: () => void): Promise<number> {
  const { writeKey } = cfg;
  // Read before anything is claimed, so a failure here leaves no claim behind.
  const wanted = new Set(writeKey ? await exportedStatuses(pool, EXPORTABLE_OUTCOMES) : []);
  let exported = 0;
  for (;;) {
    const batch = await claimPendingOutcomes(pool, BATCH, cfg.claimLeaseMs ?? CLAIM_LEASE_MS);
    if (batch.length > 0 && !writeKey) await retryWhileUnavailable(() => markOutcomes(pool, batch.map((o) => o.id), 'not-exported'));
    if (batch.length > 0 && writeKey) {
      const [send, skip] = [batch.filter((o) => wanted.has(settingOf(o.status))), batch.filter((o) => !wanted.has(settingOf(o.status)))];
      if (send.length > 0) {
        try {
          await deliver({ ...cfg, writeKey }, send.map((o) => outcomeEvent(o, cfg.version)));
        } catch (err) {
          await releaseOutcomes(pool, send.map((o) => o.id), (err as Error).message).catch(() => undefined);
          throw err;
        }
      }
      // Failing after all leaves them claimed: resent once the lease ran out, with the same messageIds (Segment keeps one of each).
      await retryWhileUnavailable(() => markOutcomes(pool, send.map((o) => o.id), 'exported'));
      await retryWhileUnavailable(() => markOutcomes(pool, skip.map((o) => o.id), 'skipped'));
      exported += send.length;
    }
    heartbeat();
    if (batch.length < BATCH) return exported;
  }
}
