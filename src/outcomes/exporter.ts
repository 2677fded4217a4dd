import { Analytics } from '@segment/analytics-node';
import type { Pool } from 'pg';
import { inTransaction } from '../db/pool';
import { exportedStatuses, markOutcomes, takePendingOutcomes } from '../db/outcomes';
import { REPORTED_STATUSES } from '../messaging/status';
import { outcomeEvent, settingOf } from './segment-events';

export interface ExporterConfig {
  /** Unset: outcomes are recorded as `not-exported`. */
  writeKey?: string;
  host: string;
  version: string;
}

const BATCH = 100;

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
 * Exports pending outcomes, oldest first, a batch at a time; each batch is
 * marked exported only after Segment took all of it. A failure leaves the
 * batch pending (the calling activity retries), so an outage of Segment delays
 * outcomes and loses none. Returns how many were exported.
 */
export async function exportOutcomes(pool: Pool, cfg: ExporterConfig, heartbeat: () => void): Promise<number> {
  let exported = 0;
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const batch = await takePendingOutcomes(client, BATCH);
      if (batch.length === 0) return 0;
      const { writeKey } = cfg;
      if (!writeKey) {
        await markOutcomes(client, batch.map((o) => o.id), 'not-exported');
        return batch.length;
      }
      const wanted = new Set(await exportedStatuses(client, REPORTED_STATUSES));
      const [send, skip] = [batch.filter((o) => wanted.has(settingOf(o.status))), batch.filter((o) => !wanted.has(settingOf(o.status)))];
      if (send.length > 0) await deliver({ ...cfg, writeKey }, send.map((o) => outcomeEvent(o, cfg.version)));
      await markOutcomes(client, send.map((o) => o.id), 'exported');
      await markOutcomes(client, skip.map((o) => o.id), 'skipped');
      exported += send.length;
      return batch.length;
    });
    heartbeat();
    if (done < BATCH) return exported;
  }
}
