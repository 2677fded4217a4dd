import type { PoolClient } from 'pg';
import type { Traits } from '../ingest/traits';
import { PROFILE_BY_ID_OR_ALIAS } from './profiles';

type Queryable = Pick<PoolClient, 'query'>;

export interface RunRecipientRow {
  user_id: string;
  /** Null when the run's user has no profile (yet, or any more). */
  traits: Traits | null;
  audiences: Record<string, { member: boolean }> | null;
  groups: Array<{ groupId: string; traits: Traits }>;
  /** The trigger event's `context.timezone`, as Segment libraries send it. */
  event_timezone: string | null;
}

/** What a run reads about its recipient, now, in one round trip. */
export async function runRecipient(q: Queryable, runId: string): Promise<RunRecipientRow | undefined> {
  const { rows } = await q.query<RunRecipientRow>(
    `SELECT r.user_id, p.traits, p.audiences,
       COALESCE((SELECT json_agg(json_build_object('groupId', g.group_id, 'traits', g.traits) ORDER BY m.joined_at)
                 FROM group_members m JOIN groups g USING (group_id) WHERE m.user_id = p.user_id), '[]') AS groups,
       (SELECT payload->'context'->>'timezone' FROM events WHERE message_id = r.trigger_message_id AND duplicate_of IS NULL) AS event_timezone
     FROM runs r LEFT JOIN LATERAL (SELECT * FROM profiles p WHERE ${PROFILE_BY_ID_OR_ALIAS.replaceAll('$1', 'r.user_id')} LIMIT 1) p ON true
     WHERE r.id = $1`,
    [runId],
  );
  return rows[0];
}

/** The event that started a run, as ingested; undefined when the run or the event is not recorded. */
export async function runTriggerEvent(q: Queryable, runId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await q.query<{ payload: Record<string, unknown> }>(
    `SELECT e.payload FROM runs r JOIN events e ON e.message_id = r.trigger_message_id AND e.duplicate_of IS NULL WHERE r.id = $1`,
    [runId],
  );
  return rows[0]?.payload;
}
