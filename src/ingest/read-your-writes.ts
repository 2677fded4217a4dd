import type { Pool } from 'pg';
import { hasQueuedEvents } from '../db/outbox';

const POLL_MS = 25;

/**
 * Profile changes are applied a few milliseconds after ingest answers (by the
 * shard workflows). A read right after a write waits up to `timeoutMs` for
 * that user's queued events, so a script that identifies and then reads sees
 * its own write; with nothing queued it returns at once. After the timeout
 * (e.g. the worker is down) the read goes on with what is stored.
 */
export async function awaitQueuedEvents(pool: Pool, id: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await hasQueuedEvents(pool, id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
}
