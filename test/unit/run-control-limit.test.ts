import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { RunControl } from '../../src/automations/runs';
import type { Logger } from '../../src/logger';

/**
 * Every shard drain hands its batch to the same RunControl. Temporal calls must be
 * limited across all of them: bursts of hundreds of starts in flight only queue
 * inside Temporal and take the worker's slots that eager starts need.
 */
it('limits Temporal calls in flight across concurrent batches, and makes every call', async () => {
  let inFlight = 0;
  let peak = 0;
  const started: string[] = [];
  const temporal = {
    workflow: {
      start: async (_type: string, opts: { workflowId: string }) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        started.push(opts.workflowId);
        return { eagerlyStarted: false };
      },
    },
  } as unknown as Client;
  const pool = {
    query: async (sql: string, [id]: string[]) =>
      sql.startsWith('SELECT') ? { rows: [{ id, status: 'pending', automation: 'single-send', user_id: 'u', mapping_id: 'm', input: {} }] } : { rowCount: 1, rows: [] },
  } as unknown as Pool;
  const log = { warn: () => undefined } as unknown as Logger;
  const runs = new RunControl({ pool, temporal, taskQueue: 'q', log });

  const batch = (shard: number) => ({ start: Array.from({ length: 50 }, (_, i) => `run-${shard}-${i}`), cancel: [], events: [] });
  await Promise.all([0, 1, 2].map((shard) => runs.apply(batch(shard))));

  expect(started).toHaveLength(150);
  expect(peak).toBeLessThanOrEqual(32);
});
