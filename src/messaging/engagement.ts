import type { Pool } from 'pg';
import { getMessageRow, recordStatus } from '../db/messages';
import type { RunControl } from '../automations/runs';
import type { TrackingPayload } from './tracking';

export type EngagementResult = { found: false } | { found: true; redirectTo?: string };

/**
 * Records an open (pixel) or a click (redirect) of a message and delivers it
 * to the message's run. A repeat (the same pixel again, the same link again)
 * is recorded once. The engagement is in Postgres before the signal is sent,
 * so a signal that fails now is sent again by the sweep.
 */
export async function recordEngagement(pool: Pool, runs: RunControl, token: TrackingPayload, meta: Record<string, unknown>): Promise<EngagementResult> {
  const message = await getMessageRow(pool, token.m);
  if (!message) return { found: false };
  let redirectTo: string | undefined;
  if (token.k === 'c') {
    redirectTo = message.links[token.l ?? -1];
    if (redirectTo === undefined) return { found: false };
  }
  const opened = token.k === 'o';
  const recorded = await recordStatus(pool, message.id, {
    status: opened ? 'OPENED' : 'CLICKED',
    source: opened ? 'pixel' : 'click',
    dedupeKey: opened ? 'OPENED' : `CLICKED-${token.l}`,
    signal: true,
    detail: { ...meta, ...(redirectTo ? { url: redirectTo } : {}) },
  });
  if (recorded.eventId) await runs.signal(message.run_id, { messageId: message.id, kind: opened ? 'opened' : 'clicked' }, recorded.eventId);
  return { found: true, redirectTo };
}
