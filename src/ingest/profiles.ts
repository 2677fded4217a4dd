import type { Pool, PoolClient } from 'pg';
import * as db from '../db/profiles';
import { inTransaction } from '../db/pool';
import { absorbPreferences } from '../db/consent';
import type { AliasEvent, IdentifyEvent } from '../segment/schemas';
import { audienceChange, identifyTraits, mergeTraits, withoutNulls, type Traits } from './traits';

/** What applying an identify changed; automations use it to trigger runs. */
export interface IdentifyOutcome {
  userId: string;
  /** The profile did not exist before this identify. */
  created: boolean;
  /** Audiences the user entered with this identify. */
  enteredAudiences: string[];
}

/**
 * Makes `alias` lead to profile `into`. If `alias` had a profile of its own
 * (say, an anonymous visitor who later signed up), its traits are folded in
 * (the surviving profile's traits win), and its aliases, groups and
 * preferences move over.
 */
export async function linkIdentity(client: PoolClient, alias: string, into: string): Promise<void> {
  if (alias === into) return;
  await db.lockProfile(client, into, false);
  const orphan = await db.findProfileForUpdate(client, alias);
  if (orphan) {
    const target = (await db.findProfileForUpdate(client, into))!;
    await db.saveProfile(client, into, {
      traits: mergeTraits(orphan.traits, target.traits),
      audiences: { ...orphan.audiences, ...target.audiences },
    });
    await db.absorbProfile(client, alias, into);
    await absorbPreferences(client, alias, into);
  }
  await db.upsertAlias(client, alias, into);
}

/**
 * The profile an event's ids lead to. A userId seen with an anonymousId links
 * the two, so later lookups by either find one profile.
 */
export async function resolveIdentity(client: PoolClient, userId: string | null | undefined, anonymousId: string | null | undefined): Promise<string> {
  if (userId) {
    const profileId = (await db.aliasTarget(client, userId)) ?? userId;
    // Usually the link exists already (every event of a signed-in user carries both ids).
    if (anonymousId && (await db.aliasTarget(client, anonymousId)) !== profileId) await linkIdentity(client, anonymousId, profileId);
    return profileId;
  }
  if (!anonymousId) throw new Error('event has neither userId nor anonymousId');
  return (await db.aliasTarget(client, anonymousId)) ?? anonymousId;
}

export async function applyIdentify(client: PoolClient, event: IdentifyEvent): Promise<IdentifyOutcome> {
  const userId = await resolveIdentity(client, event.userId, event.anonymousId);
  const { row, created } = await db.lockProfile(client, userId, !event.userId);
  const audience = audienceChange(event);
  const enteredAudiences: string[] = [];
  let audiences: db.ProfileRow['audiences'] | undefined;
  if (audience && row.audiences[audience.audience]?.member !== audience.member) {
    audiences = { ...row.audiences, [audience.audience]: { member: audience.member, since: new Date().toISOString() } };
    if (audience.member) enteredAudiences.push(audience.audience);
  }
  await db.saveProfile(client, userId, {
    traits: mergeTraits(row.traits, identifyTraits(event).traits),
    audiences,
    identified: Boolean(event.userId),
  });
  return { userId, created, enteredAudiences };
}

export async function applyAlias(client: PoolClient, event: AliasEvent): Promise<void> {
  const into = (await db.aliasTarget(client, event.userId)) ?? event.userId;
  await linkIdentity(client, event.previousId, into);
}

/** The management API's edits: merge (as identify does) or replace a profile's traits. */
export async function editProfileTraits(pool: Pool, id: string, traits: Traits, mode: 'merge' | 'replace'): Promise<void> {
  await inTransaction(pool, async (client) => {
    const userId = (await db.resolveProfileId(client, id)) ?? id;
    const { row } = await db.lockProfile(client, userId, false);
    await db.saveProfile(client, userId, { traits: mode === 'merge' ? mergeTraits(row.traits, traits) : withoutNulls(traits) });
  });
}

/** Deletes the profile an id leads to, with its aliases and memberships; false if there is none. */
export async function deleteProfileById(pool: Pool, id: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const userId = await db.resolveProfileId(client, id);
    return userId !== undefined && (await db.deleteProfile(client, userId));
  });
}
