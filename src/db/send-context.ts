import type { PoolClient } from 'pg';
import type { Traits } from '../ingest/traits';
import { PROFILE_BY_ID_OR_ALIAS } from './profiles';

type Queryable = Pick<PoolClient, 'query'>;

/** What a send reads about its recipient and trigger, in one round trip. */
export interface SendContext {
  /** The profile's traits (found by userId or an alias); undefined when no profile exists. */
  traits?: Traits;
  /** The triggering event as ingested; undefined when it is not in the log. */
  event?: Record<string, unknown>;
  /** Traits of the group the user joined last. */
  group: Traits | null;
}

export async function sendContext(q: Queryable, userId: string, triggerMessageId: string): Promise<SendContext> {
  const { rows } = await q.query<{ traits: Traits | null; event: Record<string, unknown> | null; group: Traits | null }>(
    `SELECT
       (SELECT p.traits FROM profiles p WHERE ${PROFILE_BY_ID_OR_ALIAS} LIMIT 1) AS traits,
       (SELECT payload FROM events WHERE message_id = $2 AND duplicate_of IS NULL) AS event,
       (SELECT g.traits FROM group_members m JOIN groups g USING (group_id)
         WHERE m.user_id = $1 ORDER BY m.joined_at DESC LIMIT 1) AS "group"`,
    [userId, triggerMessageId],
  );
  const row = rows[0]!;
  return { traits: row.traits ?? undefined, event: row.event ?? undefined, group: row.group };
}
