import type { Pool, PoolClient } from 'pg';
import { REPORTED_STATUSES, statusesBefore, type MessageStatus, type UndeliverableReason } from '../messaging/status';
import { OUTCOMES_CHANNEL } from './outcomes';
import type { Channel } from '../../workflows/types';

type Queryable = Pick<PoolClient, 'query'>;

export interface MessageRow {
  id: string;
  run_id: string;
  step: string;
  user_id: string;
  channel: Channel;
  provider: string;
  template_id: string;
  template_version: number;
  recipient: string | null;
  content: Record<string, string> | null;
  links: string[];
  status: MessageStatus;
  reason: string | null;
  provider_message_id: string | null;
  send_started_at: Date | null;
  status_times: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface TimelineEntry {
  kind: string;
  source: string;
  detail: Record<string, unknown>;
  at: Date;
}

/** Creates the message (ENQUEUED) unless it exists; returns it either way. */
export async function ensureMessage(
  q: Queryable,
  m: Pick<MessageRow, 'id' | 'run_id' | 'step' | 'user_id' | 'channel' | 'provider' | 'template_id' | 'template_version'>,
): Promise<MessageRow> {
  const { rows } = await q.query<MessageRow>(
    `WITH created AS (
       INSERT INTO messages (id, run_id, step, user_id, channel, provider, template_id, template_version, status, status_times)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ENQUEUED', jsonb_build_object('ENQUEUED', now()))
       ON CONFLICT (id) DO NOTHING RETURNING *),
     logged AS (INSERT INTO message_events (message_id, kind, source, dedupe_key) SELECT id, 'ENQUEUED', 'homing', 'ENQUEUED' FROM created)
     SELECT * FROM created UNION ALL SELECT * FROM messages WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM created)`,
    [m.id, m.run_id, m.step, m.user_id, m.channel, m.provider, m.template_id, m.template_version],
  );
  // A row another attempt committed after this statement's snapshot was taken is read again.
  return rows[0] ?? (await getMessageRow(q, m.id))!;
}

export async function getMessageRow(q: Queryable, id: string): Promise<MessageRow | undefined> {
  return (await q.query<MessageRow>('SELECT * FROM messages WHERE id = $1', [id])).rows[0];
}

/** Stores what is about to be sent and marks that a send may now happen. Returns whether an earlier attempt got this far. */
export async function startSend(q: Queryable, id: string, recipient: string, content: Record<string, string>, links: string[]): Promise<boolean> {
  const { rows } = await q.query<{ earlier: Date | null }>(
    `UPDATE messages m SET recipient = $2, content = $3, links = $4, send_started_at = now(), updated_at = now()
     FROM (SELECT send_started_at AS earlier FROM messages WHERE id = $1 FOR UPDATE) old
     WHERE m.id = $1 RETURNING old.earlier`,
    [id, recipient, content, JSON.stringify(links)],
  );
  return rows[0]?.earlier != null;
}

export interface StatusChange {
  status: MessageStatus;
  source: string;
  /** Why a message is UNDELIVERABLE. */
  reason?: UndeliverableReason;
  detail?: Record<string, unknown>;
  /** Names this happening so a repeat (a second pixel hit, a redelivered webhook) is recorded once; defaults to the status. */
  dedupeKey?: string;
  /** Engagement to deliver to the owning run as a signal. */
  signal?: boolean;
  providerMessageId?: string;
  /** Added to the Segment event of the outcome this change queues (e.g. an engagement's classification). */
  outcomeProperties?: Record<string, unknown>;
  /** On the timeline only: the status stays and no outcome is queued (e.g. a machine's open or click). */
  timelineOnly?: boolean;
}

/**
 * Records a happening on the message's timeline (once per dedupe key) and moves
 * the status forward if it is ahead of the current one; a status change that
 * Segment hears about queues its outcome in the same statement. `eventId` is
 * set when the entry is new.
 */
export async function recordStatus(q: Queryable, id: string, c: StatusChange): Promise<{ eventId?: string; advanced: boolean }> {
  const { rows } = await q.query<{ event_id: string | null; advanced: boolean }>(
    `WITH ev AS (
       INSERT INTO message_events (message_id, kind, source, detail, dedupe_key, signal_pending)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, dedupe_key) DO NOTHING RETURNING id),
     moved AS (
       UPDATE messages SET status = $2, reason = COALESCE($7, reason), updated_at = now(),
         provider_message_id = COALESCE($9, provider_message_id),
         status_times = status_times || jsonb_build_object($2::text, now())
       WHERE id = $1 AND status = ANY($8) AND EXISTS (SELECT 1 FROM ev) RETURNING id),
     reported AS (
       INSERT INTO outcomes (message_id, status, segment_message_id, properties)
       SELECT id, $2, outcome_segment_id(id, $2), $11 FROM moved WHERE $2 = ANY($10) ON CONFLICT DO NOTHING RETURNING 1),
     notified AS (SELECT pg_notify('${OUTCOMES_CHANNEL}', '') FROM reported LIMIT 1)
     SELECT (SELECT id::text FROM ev) AS event_id, EXISTS (SELECT 1 FROM moved) AS advanced, (SELECT count(*) FROM notified) AS notified`,
    [id, c.status, c.source, c.detail ?? {}, c.dedupeKey ?? c.status, c.signal ?? false, c.reason ?? null, c.timelineOnly ? [] : statusesBefore(c.status), c.providerMessageId ?? null, REPORTED_STATUSES, c.outcomeProperties ?? {}],
  );
  return { eventId: rows[0]!.event_id ?? undefined, advanced: rows[0]!.advanced };
}

/**
 * A timeline entry that changes no status (e.g. a send retried after an
 * ambiguous crash). With `once`, a second entry of this kind is not added.
 */
export async function addTimelineEntry(q: Queryable, id: string, kind: string, detail: Record<string, unknown>, opts: { once?: boolean } = {}): Promise<void> {
  await q.query(
    `INSERT INTO message_events (message_id, kind, source, detail, dedupe_key)
     VALUES ($1, $2, 'homing', $3, CASE WHEN $4 THEN $2 ELSE $2 || '-' || gen_random_uuid() END) ON CONFLICT DO NOTHING`,
    [id, kind, detail, opts.once ?? false],
  );
}

/**
 * A canceled run's messages: those not sent yet become CANCELED; those already
 * sent keep their status (and their outcomes) and get a run-canceled timeline
 * entry, once however often the run is closed.
 */
export async function cancelRunMessages(q: Queryable, runId: string): Promise<void> {
  const { rows } = await q.query<{ id: string; status: MessageStatus }>(`SELECT id, status FROM messages WHERE run_id = $1 AND status <> ALL($2)`, [runId, ['UNDELIVERABLE', 'CANCELED']]);
  const detail = { reason: 'run canceled' };
  for (const { id, status } of rows) {
    if (statusesBefore('CANCELED').includes(status)) await recordStatus(q, id, { status: 'CANCELED', source: 'homing', detail });
    else await addTimelineEntry(q, id, 'run-canceled', detail, { once: true });
  }
}

export async function timeline(q: Queryable, id: string): Promise<TimelineEntry[]> {
  return (await q.query<TimelineEntry>('SELECT kind, source, detail, at FROM message_events WHERE message_id = $1 ORDER BY id', [id])).rows;
}

/** The newest messages matching the filter. */
export async function listMessages(pool: Pool, f: { userId?: string; runId?: string; limit: number }): Promise<MessageRow[]> {
  const { rows } = await pool.query<MessageRow>(
    `SELECT * FROM messages WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR run_id = $2)
     ORDER BY created_at DESC, id LIMIT $3`,
    [f.userId ?? null, f.runId ?? null, f.limit],
  );
  return rows;
}

/** Engagement recorded but not yet delivered to its run, oldest first. */
export async function pendingSignals(q: Queryable, olderThanMs: number, limit = 100): Promise<Array<{ id: string; message_id: string; kind: string; run_id: string }>> {
  const { rows } = await q.query<{ id: string; message_id: string; kind: string; run_id: string }>(
    `SELECT e.id, e.message_id, e.kind, m.run_id FROM message_events e JOIN messages m ON m.id = e.message_id
     WHERE e.signal_pending AND e.at < now() - make_interval(secs => $1) ORDER BY e.at LIMIT $2`,
    [olderThanMs / 1000, limit],
  );
  return rows;
}

export async function signalDelivered(q: Queryable, eventId: string): Promise<void> {
  await q.query('UPDATE message_events SET signal_pending = false WHERE id = $1', [eventId]);
}

/** The message a provider knows by its own id (e.g. a Twilio MessageSid). */
export async function findByProviderId(q: Queryable, provider: string, providerMessageId: string): Promise<MessageRow | undefined> {
  return (await q.query<MessageRow>('SELECT * FROM messages WHERE provider = $1 AND provider_message_id = $2', [provider, providerMessageId])).rows[0];
}
