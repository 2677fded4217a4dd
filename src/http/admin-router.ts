import express from 'express';
import type { Pool } from 'pg';
import { listEvents, type EventRow } from '../db/events';
import { getGroup } from '../db/groups';
import { getProfile, type ProfileView } from '../db/profiles';
import { searchProfiles } from '../db/profile-search';
import { contactOf } from '../ingest/traits';
import { deleteProfileById, editProfileTraits } from '../ingest/profiles';
import { awaitQueuedEvents } from '../ingest/read-your-writes';
import { HttpError } from './errors';
import { apiAuthorization } from './session-router';
import type { RouteRegistry } from './routes';
import * as s from './api-schemas';

/** A nullable timestamp as JSON. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function eventJson(row: EventRow) {
  return {
    id: row.id,
    messageId: row.message_id,
    type: row.type,
    name: row.type === 'track' ? `track/${row.event}` : row.type,
    event: row.event,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    status: row.status,
    error: row.error,
    note: row.note,
    receivedAt: row.received_at.toISOString(),
    appliedAt: iso(row.applied_at),
    duplicateOf: row.duplicate_of,
    payload: row.payload,
  };
}

function profileJson(p: ProfileView) {
  return {
    userId: p.user_id,
    anonymous: p.anonymous,
    traits: p.traits,
    contact: contactOf(p.traits),
    audiences: p.audiences,
    aliases: p.aliases,
    groups: p.groups,
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
  };
}

async function profileOr404(pool: Pool, userId: string) {
  const p = await getProfile(pool, userId);
  if (!p) throw new HttpError(404, `no profile for userId "${userId}"`);
  return profileJson(p);
}

/** The management API: Bearer HOMING_ADMIN_TOKEN or a Studio session, JSON in and out. */
export function adminRouter(deps: { pool: Pool; adminToken: string; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;

  router.use('/api', apiAuthorization({ pool, adminToken: deps.adminToken }));
  router.use('/api', express.json({ limit: '1mb', type: () => true }));

  routes.add(router, { method: 'get', path: '/api/events', tag: 'events', summary: 'The inbound event log, newest first', query: s.eventsQuery, response: s.eventsPage }, async ({ query }) => {
    const rows = await listEvents(pool, { ...query, before: query.cursor });
    const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
    return { events: rows.map(eventJson), nextCursor: last?.id ?? null };
  });

  routes.add(router, { method: 'get', path: '/api/profiles', tag: 'profiles', summary: 'Profiles found by userId, alias or email (any case), most recently changed first', query: s.profileSearch, response: s.profileList }, async ({ query }) => ({
    profiles: (await searchProfiles(pool, query.query, query.limit)).map(profileJson),
  }));

  const missing = { 404: 'no such profile' };
  routes.add(router, { method: 'get', path: '/api/profiles/:userId', tag: 'profiles', summary: "A profile, by userId or any of its aliases (waits up to 2 s for this id's queued events to be applied)", response: s.profile, errors: missing }, async ({ params }) => {
    await awaitQueuedEvents(pool, params.userId!);
    return profileOr404(pool, params.userId!);
  });
  routes.add(router, { method: 'post', path: '/api/profiles/:userId', tag: 'profiles', summary: 'Deep-merge traits into a profile (null deletes a key); creates it if missing', body: s.traitsBody, response: s.profile }, async ({ params, body }) => {
    await editProfileTraits(pool, params.userId!, body.traits, 'merge');
    return profileOr404(pool, params.userId!);
  });
  routes.add(router, { method: 'put', path: '/api/profiles/:userId', tag: 'profiles', summary: "Replace a profile's traits; creates it if missing", body: s.traitsBody, response: s.profile }, async ({ params, body }) => {
    await editProfileTraits(pool, params.userId!, body.traits, 'replace');
    return profileOr404(pool, params.userId!);
  });
  routes.add(router, { method: 'delete', path: '/api/profiles/:userId', tag: 'profiles', summary: 'Delete a profile with its aliases and group memberships', response: s.deleted, errors: missing }, async ({ params }) => {
    if (!(await deleteProfileById(pool, params.userId!))) throw new HttpError(404, `no profile for userId "${params.userId}"`);
    return { deleted: true as const };
  });

  routes.add(router, { method: 'get', path: '/api/groups/:groupId', tag: 'groups', summary: 'A group: traits and members', response: s.group, errors: { 404: 'no such group' } }, async ({ params }) => {
    const g = await getGroup(pool, params.groupId!);
    if (!g) throw new HttpError(404, `no group "${params.groupId}"`);
    return { groupId: g.group_id, traits: g.traits, members: g.members, createdAt: g.created_at.toISOString(), updatedAt: g.updated_at.toISOString() };
  });

  return router;
}
