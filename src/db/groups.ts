import type { Pool, PoolClient } from 'pg';
import type { Traits } from '../ingest/traits';

type Queryable = Pick<PoolClient, 'query'>;

export async function lockGroup(q: Queryable, groupId: string): Promise<Traits> {
  await q.query('INSERT INTO groups (group_id) VALUES ($1) ON CONFLICT (group_id) DO NOTHING', [groupId]);
  const { rows } = await q.query<{ traits: Traits }>('SELECT traits FROM groups WHERE group_id = $1 FOR UPDATE', [groupId]);
  return rows[0]!.traits;
}

export async function saveGroupTraits(q: Queryable, groupId: string, traits: Traits): Promise<void> {
  await q.query('UPDATE groups SET traits = $2, updated_at = now() WHERE group_id = $1', [groupId, traits]);
}

export async function addMember(q: Queryable, groupId: string, userId: string): Promise<void> {
  await q.query('INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [groupId, userId]);
}

export interface GroupView {
  group_id: string;
  traits: Traits;
  created_at: Date;
  updated_at: Date;
  members: Array<{ userId: string; joinedAt: string }>;
}

export async function getGroup(pool: Pool, groupId: string): Promise<GroupView | undefined> {
  const { rows } = await pool.query<GroupView>(
    `SELECT g.*, COALESCE((
       SELECT json_agg(json_build_object('userId', m.user_id, 'joinedAt', m.joined_at) ORDER BY m.joined_at, m.user_id)
       FROM group_members m WHERE m.group_id = g.group_id), '[]') AS members
     FROM groups g WHERE g.group_id = $1`,
    [groupId],
  );
  return rows[0];
}
