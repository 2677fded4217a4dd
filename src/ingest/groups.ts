import type { PoolClient } from 'pg';
import * as db from '../db/groups';
import { lockProfile } from '../db/profiles';
import type { GroupEvent } from '../segment/schemas';
import { resolveIdentity } from './profiles';
import { mergeTraits } from './traits';

/** A group call merges the group's traits and records the user as a member. */
export async function applyGroup(client: PoolClient, event: GroupEvent): Promise<void> {
  const userId = await resolveIdentity(client, event.userId, event.anonymousId);
  await lockProfile(client, userId, !event.userId);
  const traits = await db.lockGroup(client, event.groupId);
  await db.saveGroupTraits(client, event.groupId, mergeTraits(traits, event.traits ?? {}));
  await db.addMember(client, event.groupId, userId);
}
