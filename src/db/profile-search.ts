import type { Pool } from 'pg';
import { PROFILE_VIEW_COLUMNS, type ProfileView } from './profiles';

/**
 * The profiles a Studio search names: the one whose userId or alias it is, and
 * those whose `traits.email` it is, whatever the case (an expression index,
 * migration 009, keeps that off a scan of every profile). Most recently
 * changed first.
 */
export function profileSearchQuery(query: string, limit: number): { text: string; values: unknown[] } {
  return {
    text: `SELECT ${PROFILE_VIEW_COLUMNS}
     FROM profiles p
     WHERE p.user_id IN (
       SELECT $1::text
       UNION SELECT user_id FROM profile_aliases WHERE alias = $1
       UNION SELECT user_id FROM profiles WHERE lower(traits->>'email') = lower($1))
     ORDER BY p.updated_at DESC, p.user_id
     LIMIT $2`,
    values: [query, limit],
  };
}

export async function searchProfiles(pool: Pool, query: string, limit: number): Promise<ProfileView[]> {
  const { text, values } = profileSearchQuery(query, limit);
  return (await pool.query<ProfileView>(text, values)).rows;
}
