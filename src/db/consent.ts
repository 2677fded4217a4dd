import type { PoolClient } from 'pg';
import { OUTCOMES_CHANNEL } from './outcomes';

type Queryable = Pick<PoolClient, 'query'>;

/** Where a consent change came from (kept with it, and reported to Segment as `source`). */
export type ConsentSource = 'segment' | 'trait' | 'api' | 'unsubscribe-page' | 'one-click' | 'mailto' | 'sendgrid' | 'twilio';

/** The outcome status of a subscription change (its Segment event is `Subscription Changed`). */
export const SUBSCRIPTION_CHANGED = 'SUBSCRIPTION_CHANGED';

export interface PreferenceChange {
  userId: string;
  channel: string;
  /** A topic id, or '' for the channel's marketing as a whole. */
  topic: string;
  subscribed: boolean;
  source: ConsentSource;
  /** What proves it: the Segment messageId, the page request's IP and user agent, the provider event. */
  evidence: Record<string, unknown>;
}

export interface Preference {
  channel: string;
  topic: string;
  subscribed: boolean;
  source: string;
  updatedAt: Date;
}

/**
 * Sets a preference; a change (not a repeat of the current choice) is kept in
 * consent_changes and, unless it came from Segment (its subscription states or
 * a consent trait), queued for Segment as a `Subscription Changed` outcome, all
 * in one statement. Returns whether it changed.
 */
export async function changePreference(q: Queryable, c: PreferenceChange): Promise<boolean> {
  const { rows } = await q.query<{ id: string | null }>(
    `WITH up AS (
       INSERT INTO preferences AS p (user_id, channel, topic, subscribed, source) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, channel, topic) DO UPDATE SET subscribed = EXCLUDED.subscribed, source = EXCLUDED.source, updated_at = now()
       WHERE p.subscribed <> EXCLUDED.subscribed RETURNING 1),
     kept AS (
       INSERT INTO consent_changes (user_id, channel, topic, subscribed, source, evidence)
       SELECT $1, $2, $3, $4, $5, $6 FROM up RETURNING id, at),
     reported AS (
       INSERT INTO outcomes (user_id, status, segment_message_id, happened_at, properties)
       SELECT $1, '${SUBSCRIPTION_CHANGED}', 'homing-consent-' || id, at,
         jsonb_build_object('channel', $2::text, 'topic', NULLIF($3, ''), 'subscribed', $4::boolean, 'source', $5::text)
       FROM kept WHERE $5 NOT IN ('segment', 'trait') RETURNING 1),
     notified AS (SELECT pg_notify('${OUTCOMES_CHANNEL}', '') FROM reported LIMIT 1)
     SELECT (SELECT id::text FROM kept) AS id, (SELECT count(*) FROM notified) AS notified`,
    [c.userId, c.channel, c.topic, c.subscribed, c.source, c.evidence],
  );
  return rows[0]!.id !== null;
}

export async function preferencesOf(q: Queryable, userId: string): Promise<Preference[]> {
  const { rows } = await q.query<Preference>(
    `SELECT channel, topic, subscribed, source, updated_at AS "updatedAt" FROM preferences WHERE user_id = $1 ORDER BY channel, topic`,
    [userId],
  );
  return rows;
}

export interface ConsentRecord extends Omit<PreferenceChange, 'userId'> {
  at: Date;
}

/** The person's consent history, newest first. */
export async function consentHistory(q: Queryable, userId: string, limit: number): Promise<ConsentRecord[]> {
  const { rows } = await q.query<ConsentRecord>(
    `SELECT channel, topic, subscribed, source, evidence, at FROM consent_changes WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/** Moves a merged profile's preferences and history to the surviving one (whose own choices win). */
export async function absorbPreferences(q: Queryable, from: string, into: string): Promise<void> {
  await q.query(
    `WITH moved AS (DELETE FROM preferences WHERE user_id = $1 RETURNING channel, topic, subscribed, source, updated_at)
     INSERT INTO preferences (user_id, channel, topic, subscribed, source, updated_at) SELECT $2, channel, topic, subscribed, source, updated_at FROM moved
     ON CONFLICT DO NOTHING`,
    [from, into],
  );
  await q.query('UPDATE consent_changes SET user_id = $2 WHERE user_id = $1', [from, into]);
}

export type SuppressionReason = 'bounced' | 'spam-complaint' | 'opted-out' | 'manual';

export interface Suppression {
  channel: string;
  address: string;
  reason: SuppressionReason;
  source: string;
  evidence: Record<string, unknown>;
  createdAt: Date;
}

/** How suppressions key an address: email addresses case-insensitively, as mailbox providers and SendGrid treat them. */
export const suppressionAddress = (channel: string, address: string) => (channel === 'email' ? address.toLowerCase() : address);

/** Suppresses an address (again, if it was lifted). Returns whether it was not suppressed before. */
export async function suppress(q: Queryable, s: Omit<Suppression, 'createdAt'>): Promise<boolean> {
  const { rows } = await q.query<{ fresh: boolean }>(
    `INSERT INTO suppressions AS s (channel, address, reason, source, evidence) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, source = EXCLUDED.source, evidence = EXCLUDED.evidence,
       created_at = now(), lifted_at = NULL, lifted_by = NULL
     WHERE s.lifted_at IS NOT NULL
     RETURNING true AS fresh`,
    [s.channel, suppressionAddress(s.channel, s.address), s.reason, s.source, s.evidence],
  );
  return rows.length === 1;
}

/** Lifts an active suppression; `reason` limits it to one kind (START lifts a STOP, never a bounce). Returns whether one was lifted. */
export async function liftSuppression(q: Queryable, channel: string, address: string, by: string, reason?: SuppressionReason): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE suppressions SET lifted_at = now(), lifted_by = $3 WHERE channel = $1 AND address = $2 AND lifted_at IS NULL AND ($4::text IS NULL OR reason = $4)`,
    [channel, suppressionAddress(channel, address), by, reason ?? null],
  );
  return rowCount === 1;
}

export async function activeSuppressions(q: Queryable, f: { channel?: string; address?: string; limit: number }): Promise<Suppression[]> {
  const { rows } = await q.query<Suppression>(
    `SELECT channel, address, reason, source, evidence, created_at AS "createdAt" FROM suppressions
     WHERE lifted_at IS NULL AND ($1::text IS NULL OR channel = $1) AND ($2::text IS NULL OR address = $2)
     ORDER BY created_at DESC LIMIT $3`,
    [f.channel ?? null, f.address && f.channel ? suppressionAddress(f.channel, f.address) : (f.address ?? null), f.limit],
  );
  return rows;
}

/** The people Homing has sent to at an address (an SMS opt-out names a number, not a person). */
export async function recipientsAt(q: Queryable, channel: string, address: string): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>('SELECT DISTINCT user_id FROM messages WHERE channel = $1 AND recipient = $2', [channel, address]);
  return rows.map((r) => r.user_id);
}

export interface FrequencyCap {
  channel: string;
  limit: number;
  /** The period as written ("1d"), and in seconds. */
  period: string;
  seconds: number;
}

export interface Topic {
  id: string;
  name: string;
  description: string;
  defaultStatus: 'opted-in' | 'opted-out' | 'required';
  frequencyCaps: FrequencyCap[];
  createdAt: Date;
  updatedAt: Date;
}

const TOPIC_COLUMNS = `id, name, description, default_status AS "defaultStatus", frequency_caps AS "frequencyCaps", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function saveTopic(q: Queryable, t: Omit<Topic, 'createdAt' | 'updatedAt'>): Promise<Topic> {
  const { rows } = await q.query<Topic>(
    `INSERT INTO topics (id, name, description, default_status, frequency_caps) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, default_status = EXCLUDED.default_status,
       frequency_caps = EXCLUDED.frequency_caps, updated_at = now()
     RETURNING ${TOPIC_COLUMNS}`,
    [t.id, t.name, t.description, t.defaultStatus, JSON.stringify(t.frequencyCaps)],
  );
  return rows[0]!;
}

export async function listTopics(q: Queryable): Promise<Topic[]> {
  return (await q.query<Topic>(`SELECT ${TOPIC_COLUMNS} FROM topics ORDER BY id`)).rows;
}

export async function getTopic(q: Queryable, id: string): Promise<Topic | undefined> {
  return (await q.query<Topic>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE id = $1`, [id])).rows[0];
}
