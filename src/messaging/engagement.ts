import type { Pool } from 'pg';
import { getMessageRow, recordStatus, type MessageRow, type StatusChange } from '../db/messages';
import type { RunControl } from '../automations/runs';
import type { TrackingPayload } from './tracking';

/**
 * Records something that happened to a message (from Homing's tracking, or a
 * provider's webhook) on its timeline, moving its status forward; an open or
 * click is also delivered to the message's run. The entry is in Postgres
 * before the signal is sent, so a signal that fails now is sent again by the
 * sweep; a repeat (same dedupe key) is recorded once and signalled once.
 */
export async function recordMessageEvent(pool: Pool, runs: RunControl, message: MessageRow, change: StatusChange): Promise<{ recorded: boolean }> {
  const engaged = change.status === 'OPENED' || change.status === 'CLICKED';
  const { eventId } = await recordStatus(pool, message.id, { ...change, signal: engaged });
  if (engaged && eventId) await runs.signal(message.run_id, { messageId: message.id, kind: change.status === 'OPENED' ? 'opened' : 'clicked' }, eventId);
  return { recorded: eventId !== undefined };
}

export type EngagementResult = { found: false } | { found: true; redirectTo?: string };

/** An open (pixel) or click (redirect) of a tracked link; a second hit of the same pixel or link is recorded once. */
export async function recordEngagement(pool: Pool, runs: RunControl, token: TrackingPayload, meta: Record<string, unknown>): Promise<EngagementResult> {
  const message = await getMessageRow(pool, token.m);
  if (!message) return { found: false };
  let redirectTo: string | undefined;
  if (token.k === 'c') {
    redirectTo = message.links[token.l ?? -1];
    if (redirectTo === undefined) return { found: false };
  }
  const opened = token.k === 'o';
  await recordMessageEvent(pool, runs, message, {
    status: opened ? 'OPENED' : 'CLICKED',
    source: opened ? 'pixel' : 'click',
    dedupeKey: opened ? 'OPENED' : `CLICKED-${token.l}`,
    detail: { ...meta, ...(redirectTo ? { url: redirectTo } : {}) },
  });
  return { found: true, redirectTo };
}
