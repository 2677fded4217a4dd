import type { PoolClient } from 'pg';
import { suppressionAddress, type FrequencyCap } from '../db/consent';
import type { RunConsent } from '../../workflows/types';

type Queryable = Pick<PoolClient, 'query'>;

export interface SendCheck {
  userId: string;
  channel: string;
  /** The normalised address the message would go to. */
  address: string;
  messageId: string;
  consent: RunConsent;
  /** The installation's caps (FREQUENCY_CAPS); a topic's own caps are read with it. */
  caps: readonly FrequencyCap[];
  /** When the send happens (the workflow's clock or later). */
  at: number;
  /** False for a send that waits for sending hours: it is judged for opt-outs, and takes no place under a cap yet. */
  counts: boolean;
}

export type Verdict = { allowed: true } | { allowed: false; reason: 'suppressed' | 'unsubscribed' | 'frequency-capped'; detail: Record<string, unknown> };

/**
 * Whether a message may go out now, in one statement (one round trip):
 * - every message: the address is not suppressed;
 * - marketing: the person has not opted out of the channel's marketing or the
 *   topic (on this channel or '*', every channel), and has opted in to a topic
 *   that is opt-in only; a `required` topic ignores opt-outs;
 * - marketing under a cap: the send is counted in the person's ledger row for
 *   the channel only if every cap (the installation's, the topic's) still has
 *   room. ON CONFLICT DO UPDATE locks that row and judges its latest version,
 *   so two runs sending at once cannot both take the last place. A retried
 *   send finds its message already counted and goes on.
 */
export async function checkSend(q: Queryable, c: SendCheck): Promise<Verdict> {
  const marketing = c.consent.category === 'marketing';
  const { rows } = await q.query<{ suppression: string | null; unsubscribed: string | null; capped: boolean }>(
    `WITH sup AS (SELECT reason FROM suppressions WHERE channel = $2 AND address = $3 AND lifted_at IS NULL),
     tp AS (SELECT default_status, frequency_caps FROM topics WHERE id = $5),
     pr AS (SELECT channel, topic, subscribed FROM preferences WHERE user_id = $1 AND channel IN ($2, '*') AND topic IN ('', $5)),
     unsub AS (
       SELECT CASE WHEN (SELECT NOT subscribed FROM pr WHERE topic = '' AND NOT subscribed LIMIT 1) THEN 'marketing'
                   WHEN (SELECT NOT subscribed FROM pr WHERE topic <> '' AND NOT subscribed LIMIT 1) THEN 'topic'
                   WHEN (SELECT default_status FROM tp) = 'opted-out' AND NOT EXISTS (SELECT 1 FROM pr WHERE topic <> '' AND subscribed) THEN 'not-opted-in'
              END AS why
       WHERE $4 AND (SELECT default_status FROM tp) IS DISTINCT FROM 'required'),
     caps AS (
       SELECT (c->>'limit')::int AS lim, (c->>'seconds')::int AS secs, c->>'topic' AS topic
       FROM jsonb_array_elements($6::jsonb || COALESCE((SELECT jsonb_agg(x || jsonb_build_object('topic', $5::text)) FROM jsonb_array_elements((SELECT frequency_caps FROM tp)) x), '[]')) c
       WHERE $4 AND c->>'channel' = $2),
     entry AS (SELECT jsonb_build_object('m', $7::text, 't', $5::text, 'at', $8::float8) AS e),
     counted AS (
       INSERT INTO frequency_ledgers AS l (user_id, channel, sends)
       SELECT $1, $2, jsonb_build_array(e) FROM entry
       WHERE $9 AND EXISTS (SELECT 1 FROM caps) AND NOT EXISTS (SELECT 1 FROM sup) AND NOT EXISTS (SELECT 1 FROM unsub WHERE why IS NOT NULL)
       ON CONFLICT (user_id, channel) DO UPDATE SET sends = COALESCE(
           (SELECT jsonb_agg(s) FROM jsonb_array_elements(l.sends) s WHERE (s->>'at')::float8 > $8 - (SELECT max(secs) FROM caps)), '[]') || EXCLUDED.sends
       WHERE NOT l.sends @> jsonb_build_array(jsonb_build_object('m', $7::text))
         AND NOT EXISTS (
           SELECT 1 FROM caps WHERE lim <= (
             SELECT count(*) FROM jsonb_array_elements(l.sends) s
             WHERE (s->>'at')::float8 > $8 - caps.secs AND (caps.topic IS NULL OR s->>'t' = caps.topic)))
       RETURNING 1)
     SELECT (SELECT reason FROM sup) AS suppression, (SELECT why FROM unsub) AS unsubscribed,
       $9 AND EXISTS (SELECT 1 FROM caps) AND NOT EXISTS (SELECT 1 FROM counted)
         AND NOT EXISTS (SELECT 1 FROM frequency_ledgers WHERE user_id = $1 AND channel = $2 AND sends @> jsonb_build_array(jsonb_build_object('m', $7::text))) AS capped`,
    [c.userId, c.channel, suppressionAddress(c.channel, c.address), marketing, c.consent.topic ?? null, JSON.stringify(c.caps), c.messageId, c.at / 1000, c.counts],
  );
  const row = rows[0]!;
  if (row.suppression) return { allowed: false, reason: 'suppressed', detail: { suppression: row.suppression, address: c.address } };
  if (row.unsubscribed) return { allowed: false, reason: 'unsubscribed', detail: { unsubscribed: row.unsubscribed, topic: c.consent.topic ?? null } };
  if (row.capped) return { allowed: false, reason: 'frequency-capped', detail: { topic: c.consent.topic ?? null } };
  return { allowed: true };
}
