import type { Pool } from 'pg';
import { getMessageRow, recordStatus, type MessageRow, type StatusChange } from '../db/messages';
import type { RunControl } from '../automations/runs';
import type { TrackingPayload } from './tracking';
import { classifyEngagement, DEFAULT_ENGAGEMENT_POLICY, type EngagementEvidence, type EngagementPolicy } from './engagement-classification';

/** What Homing's own tracking routes know of a request. `userAgent` is '' when the request carried none. */
export interface RequestEvidence {
  userAgent: string;
  ip?: string;
  method: string;
}

type Evidence = Omit<EngagementEvidence, 'kind' | 'secondsSinceDelivery'>;

const secondsBetween = (from: string | Date | null | undefined, atMs: number) => (from == null ? undefined : Math.round(atMs - new Date(from).getTime()) / 1000);

/** From the message's sending (its start, while the send is still under way) and its delivery, as far as they are known, to `atMs`. */
function timing(message: MessageRow, atMs: number): { secondsSinceSent?: number; secondsSinceDelivered?: number } {
  return {
    secondsSinceSent: secondsBetween(message.status_times.SENT ?? message.send_started_at, atMs),
    secondsSinceDelivered: secondsBetween(message.status_times.DELIVERED, atMs),
  };
}

/**
 * An open or click, classified (src/messaging/engagement-classification.ts)
 * and kept on the timeline with its evidence. A person's moves the status,
 * queues its outcome (with `engagement: 'human'` for Segment) and is delivered
 * to the run; a machine's, unless the policy counts machines, only stays on
 * the timeline, so it never ends a wait.
 */
async function recordEngagementChange(
  pool: Pool,
  runs: RunControl,
  message: MessageRow,
  change: StatusChange,
  evidence: Evidence,
  policy: EngagementPolicy,
  atMs: number,
): Promise<{ recorded: boolean }> {
  const times = timing(message, atMs);
  const kind = change.status === 'OPENED' ? 'open' : 'click';
  const verdict = classifyEngagement({ ...evidence, kind, secondsSinceDelivery: times.secondsSinceDelivered ?? times.secondsSinceSent }, policy.machineClickSeconds);
  const counts = verdict.engagement === 'human' || (policy.countMachine && !evidence.honeypot);
  const { eventId } = await recordStatus(pool, message.id, {
    ...change,
    // A key of its own, so a person's later click of the link a scanner followed is still recorded (and counted).
    dedupeKey: verdict.engagement === 'machine' ? `${change.dedupeKey ?? change.status}-machine` : change.dedupeKey,
    detail: { ...change.detail, ...times, ...verdict },
    signal: counts,
    timelineOnly: !counts,
    outcomeProperties: { engagement: verdict.engagement },
  });
  // The entry is in Postgres before the signal is sent, so a signal that fails now is sent again by the sweep.
  if (counts && eventId) await runs.signal(message.run_id, { messageId: message.id, kind: kind === 'open' ? 'opened' : 'clicked' }, eventId);
  return { recorded: eventId !== undefined };
}

/**
 * Records something a provider's webhook reported of a message on its
 * timeline, moving its status forward; an open or click is classified first
 * (by the fields SendGrid reports: `useragent`, `ip`, `sgMachineOpen`, and its
 * event `timestamp`). A repeat (same dedupe key) is recorded once and
 * signalled once.
 */
export async function recordMessageEvent(
  pool: Pool,
  runs: RunControl,
  message: MessageRow,
  change: StatusChange,
  policy: EngagementPolicy = DEFAULT_ENGAGEMENT_POLICY,
): Promise<{ recorded: boolean }> {
  if (change.status !== 'OPENED' && change.status !== 'CLICKED') {
    const { eventId } = await recordStatus(pool, message.id, change);
    return { recorded: eventId !== undefined };
  }
  const d = change.detail ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // When it happened, not when the (batched, retried) webhook arrived.
  const atMs = typeof d.timestamp === 'number' ? d.timestamp * 1000 : Date.now();
  const evidence = { detectedBy: change.source, userAgent: text(d.useragent), ip: text(d.ip), providerMachine: typeof d.sgMachineOpen === 'boolean' ? d.sgMachineOpen : undefined };
  return recordEngagementChange(pool, runs, message, change, evidence, policy, atMs);
}

export type EngagementResult = { found: false } | { found: true; redirectTo?: string };

/**
 * An open (pixel), click (redirect) or honeypot hit of a tracked message; a
 * second hit of the same pixel or link (by a person, or by a machine) is
 * recorded once.
 */
export async function recordEngagement(
  pool: Pool,
  runs: RunControl,
  token: TrackingPayload,
  request: RequestEvidence,
  policy: EngagementPolicy = DEFAULT_ENGAGEMENT_POLICY,
): Promise<EngagementResult> {
  const message = await getMessageRow(pool, token.m);
  if (!message) return { found: false };
  let redirectTo: string | undefined;
  if (token.k === 'c') {
    redirectTo = message.links[token.l ?? -1];
    if (redirectTo === undefined) return { found: false };
  }
  const change: StatusChange =
    token.k === 'o'
      ? { status: 'OPENED', source: 'pixel', dedupeKey: 'OPENED' }
      : { status: 'CLICKED', source: token.k === 'h' ? 'honeypot' : 'click', dedupeKey: token.k === 'h' ? 'CLICKED-honeypot' : `CLICKED-${token.l}` };
  const detail = { ...request, ...(redirectTo ? { url: redirectTo } : {}) };
  await recordEngagementChange(pool, runs, message, { ...change, detail }, { detectedBy: change.source, ...request, honeypot: token.k === 'h' }, policy, Date.now());
  return { found: true, redirectTo };
}
