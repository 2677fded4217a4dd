import express from 'express';
import type { Pool } from 'pg';
import { channelDefinition, type Channel } from '../channels';
import { frequencyCap } from '../consent/settings';
import {
  activeSuppressions,
  changePreference,
  consentHistory,
  getTopic,
  liftSuppression,
  listTopics,
  preferencesOf,
  saveTopic,
  suppress,
  type Topic,
} from '../db/consent';
import { inTransaction } from '../db/pool';
import { resolveProfileId } from '../db/profiles';
import { HttpError } from './errors';
import type { RouteRegistry } from './routes';
import * as s from './consent-schemas';

const topicJson = (t: Topic) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  defaultStatus: t.defaultStatus,
  frequencyCaps: t.frequencyCaps.map(({ channel, limit, period }) => ({ channel: channel as Channel, limit, period })),
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

/** The address as sends store and check it; a 400 naming the channel's format otherwise. */
function normalisedAddress(channel: Channel, raw: string): string {
  const def = channelDefinition(channel);
  const address = def.address.parse(raw);
  if (!address) throw new HttpError(400, `"${raw}" is not ${def.address.expected}`);
  return address;
}

/** Topics, a person's preferences and consent history, and suppressed addresses. Mounted after the admin router, which authorises /api. */
export function consentRouter(deps: { pool: Pool; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;

  routes.add(router, { method: 'get', path: '/api/topics', tag: 'consent', summary: 'Subscription topics', response: s.topicList }, async () => ({
    topics: (await listTopics(pool)).map(topicJson),
  }));
  routes.add(router, { method: 'get', path: '/api/topics/:id', tag: 'consent', summary: 'A subscription topic', response: s.topic, errors: { 404: 'no such topic' } }, async ({ params }) => {
    const topic = await getTopic(pool, params.id!);
    if (!topic) throw new HttpError(404, `no topic "${params.id}"`);
    return topicJson(topic);
  });
  routes.add(
    router,
    { method: 'put', path: '/api/topics/:id', tag: 'consent', summary: 'Create or replace a subscription topic: its default and its frequency caps', body: s.topicBody, response: s.topic },
    async ({ params, body }) => {
      const id = s.topicId.safeParse(params.id);
      if (!id.success) throw new HttpError(400, `invalid topic id: ${id.error.issues[0]!.message}`);
      const frequencyCaps = body.frequencyCaps.map((c) => frequencyCap(c.channel, c.limit, c.period)!);
      return topicJson(await saveTopic(pool, { id: id.data, name: body.name, description: body.description, defaultStatus: body.defaultStatus, frequencyCaps }));
    },
  );

  const profileId = async (id: string) => {
    const userId = await resolveProfileId(pool, id);
    if (!userId) throw new HttpError(404, `no profile for userId "${id}"`);
    return userId;
  };
  const preferencesJson = async (userId: string) => ({
    userId,
    preferences: (await preferencesOf(pool, userId)).map((p) => ({ ...p, topic: p.topic || null, updatedAt: p.updatedAt.toISOString() })),
    history: (await consentHistory(pool, userId, 100)).map((r) => ({ ...r, topic: r.topic || null, at: r.at.toISOString() })),
  });
  routes.add(
    router,
    { method: 'get', path: '/api/profiles/:userId/preferences', tag: 'consent', summary: "A person's subscription preferences and consent history (by userId or alias)", response: s.preferences, errors: { 404: 'no such profile' } },
    async ({ params }) => preferencesJson(await profileId(params.userId!)),
  );
  routes.add(
    router,
    {
      method: 'put',
      path: '/api/profiles/:userId/preferences',
      tag: 'consent',
      summary: "Set a person's preferences (each change is kept as a consent record with source api and reported to Segment)",
      body: s.preferenceBody,
      response: s.preferences,
      errors: { 404: 'no such profile' },
    },
    async ({ params, body, req }) => {
      const userId = await profileId(params.userId!);
      const evidence = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
      await inTransaction(pool, async (client) => {
        for (const p of body.preferences) {
          if (p.topic !== undefined && !(await getTopic(client, p.topic))) throw new HttpError(400, `unknown topic "${p.topic}"`);
          await changePreference(client, { userId, channel: p.channel, topic: p.topic ?? '', subscribed: p.subscribed, source: 'api', evidence });
        }
      });
      return preferencesJson(userId);
    },
  );

  const suppressionJson = (x: Awaited<ReturnType<typeof activeSuppressions>>[number]) => ({ ...x, createdAt: x.createdAt.toISOString() });
  routes.add(router, { method: 'get', path: '/api/suppressions', tag: 'consent', summary: 'Suppressed addresses (never sent to until lifted), newest first', query: s.suppressionsQuery, response: s.suppressionList }, async ({ query }) => ({
    suppressions: (await activeSuppressions(pool, { ...query, address: query.address && query.channel ? normalisedAddress(query.channel, query.address) : query.address })).map(suppressionJson),
  }));
  const channelParam = (raw: string): Channel => {
    const parsed = s.suppressionsQuery.shape.channel.safeParse(raw);
    if (!parsed.success || !parsed.data) throw new HttpError(404, `no channel "${raw}"`);
    return parsed.data;
  };
  routes.add(
    router,
    { method: 'put', path: '/api/suppressions/:channel/:address', tag: 'consent', summary: 'Suppress an address by hand (reason manual)', body: s.suppressionBody, response: s.suppression, errors: { 404: 'no such channel' } },
    async ({ params, body }) => {
      const channel = channelParam(params.channel!);
      const address = normalisedAddress(channel, params.address!);
      await suppress(pool, { channel, address, reason: 'manual', source: 'api', evidence: body.note ? { note: body.note } : {} });
      return suppressionJson((await activeSuppressions(pool, { channel, address, limit: 1 }))[0]!);
    },
  );
  routes.add(
    router,
    { method: 'delete', path: '/api/suppressions/:channel/:address', tag: 'consent', summary: 'Lift a suppression: the address may be sent to again', response: s.lifted, errors: { 404: 'no such channel, or the address is not suppressed' } },
    async ({ params }) => {
      const channel = channelParam(params.channel!);
      const address = normalisedAddress(channel, params.address!);
      if (!(await liftSuppression(pool, channel, address, 'api'))) throw new HttpError(404, `${channel} address "${address}" is not suppressed`);
      return { lifted: true as const };
    },
  );

  return router;
}
