import type { Pool, PoolClient } from 'pg';
import type { Traits } from '../ingest/traits';

type Queryable = Pick<PoolClient, 'query'>;

export interface ProfileRow {
  user_id: string;
  anonymous: boolean;
  traits: Traits;
  audiences: Record<string, { member: boolean; since: string }>;
  created_at: Date;
  updated_at: Date;
}

/** The profile an id leads to: its own, or the one it is an alias of. */
export async function resolveProfileId(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    `SELECT user_id FROM profiles WHERE user_id = $1
     UNION ALL SELECT user_id FROM profile_aliases WHERE alias = $1 LIMIT 1`,
    [id],
  );
  return rows[0]?.user_id;
}

export async function aliasTarget(q: Queryable, alias: string): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>('SELECT user_id FROM profile_aliases WHERE alias = $1', [alias]);
  return rows[0]?.user_id;
}

/** Creates the profile if needed and locks it for this transaction. */
export async function lockProfile(q: Queryable, userId: string, anonymous: boolean): Promise<{ row: ProfileRow; created: boolean }> {
  const created = await q.query('INSERT INTO profiles (user_id, anonymous) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [
    userId,
    anonymous,
  ]);
  const { rows } = await q.query<ProfileRow>('SELECT * FROM profiles WHERE user_id = $1 FOR UPDATE', [userId]);
  return { row: rows[0]!, created: created.rowCount === 1 };
}

export async function findProfileForUpdate(q: Queryable, userId: string): Promise<ProfileRow | undefined> {
  const { rows } = await q.query<ProfileRow>('SELECT * FROM profiles WHERE user_id = $1 FOR UPDATE', [userId]);
  return rows[0];
}

export async function saveProfile(
  q: Queryable,
  userId: string,
  change: { traits: Traits; audiences?: ProfileRow['audiences']; identified?: boolean },
): Promise<void> {
  await q.query(
    `UPDATE profiles SET traits = $2, audiences = COALESCE($3, audiences),
       anonymous = anonymous AND NOT $4, updated_at = now()
     WHERE user_id = $1`,
    [userId, change.traits, change.audiences ?? null, change.identified ?? false],
  );
}

export async function upsertAlias(q: Queryable, alias: string, userId: string): Promise<void> {
  await q.query(
    `INSERT INTO profile_aliases (alias, user_id) VALUES ($1, $2)
     ON CONFLICT (alias) DO UPDATE SET user_id = EXCLUDED.user_id`,
    [alias, userId],
  );
}

/** Moves aliases, group memberships and what runs listen for of `from` to `into`, then deletes `from`. */
export async function absorbProfile(q: Queryable, from: string, into: string): Promise<void> {
  await q.query('UPDATE profile_aliases SET user_id = $2 WHERE user_id = $1', [from, into]);
  await q.query('UPDATE run_event_interests SET user_id = $2 WHERE user_id = $1', [from, into]);
  await q.query(
    `INSERT INTO group_members (group_id, user_id, joined_at)
     SELECT group_id, $2, joined_at FROM group_members WHERE user_id = $1
     ON CONFLICT DO NOTHING`,
    [from, into],
  );
  await q.query('DELETE FROM profiles WHERE user_id = $1', [from]);
}

export interface ProfileView extends ProfileRow {
  aliases: string[];
  groups: string[];
}

/** Matches the profile `p` of the user whose userId or alias is $1. */
export const PROFILE_BY_ID_OR_ALIAS = 'p.user_id = $1 OR p.user_id = (SELECT user_id FROM profile_aliases WHERE alias = $1)';

/** The columns of a ProfileView of the profile `p`. */
export const PROFILE_VIEW_COLUMNS = `p.*,
       COALESCE((SELECT array_agg(alias ORDER BY alias) FROM profile_aliases a WHERE a.user_id = p.user_id), '{}') AS aliases,
       COALESCE((SELECT array_agg(group_id ORDER BY group_id) FROM group_members m WHERE m.user_id = p.user_id), '{}') AS groups`;

export async function getProfile(pool: Pool, id: string): Promise<ProfileView | undefined> {
  const { rows } = await pool.query<ProfileView>(
    `SELECT ${PROFILE_VIEW_COLUMNS}
     FROM profiles p
     WHERE ${PROFILE_BY_ID_OR_ALIAS}
     LIMIT 1`,
    [id],
  );
  return rows[0];
}

export async function deleteProfile(q: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM profiles WHERE user_id = $1', [userId]);
  return rowCount === 1;
}
