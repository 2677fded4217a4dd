import express from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import { getMessageRow, listMessages, timeline, type MessageRow } from '../db/messages';
import { CHANNELS } from '../channels';
import { listMailbox } from '../messaging/providers/mailbox';
import { exportedStatuses, outcomesOf, saveExportedStatuses } from '../db/outcomes';
import { EXPORTABLE_OUTCOMES } from '../messaging/status';
import { HttpError } from './errors';
import type { RouteRegistry } from './routes';
import * as s from './automation-schemas';

export function messageJson(m: MessageRow): s.MessageJson {
  return {
    id: m.id,
    runId: m.run_id,
    step: m.step,
    userId: m.user_id,
    channel: m.channel,
    provider: m.provider,
    template: { id: m.template_id, version: m.template_version },
    recipient: m.recipient,
    status: m.status,
    reason: m.reason,
    providerMessageId: m.provider_message_id,
    statusTimes: m.status_times,
    createdAt: m.created_at.toISOString(),
  };
}

const mailboxList = z.object({
  messages: z.array(
    z.object({
      id: z.string(),
      messageId: z.string(),
      channel: z.enum(CHANNELS),
      to: z.string(),
      from: z.string().nullable(),
      subject: z.string().nullable(),
      html: z.string().nullable(),
      text: z.string().nullable(),
      headers: z.record(z.string(), z.string()).describe('extra headers of an email (List-Unsubscribe on marketing mail)'),
      createdAt: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** Messages with their timelines, and what the mailbox providers stored. */
export function messagesRouter(deps: { pool: Pool; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;

  routes.add(router, { method: 'get', path: '/api/messages', tag: 'messages', summary: 'Messages, newest first', query: s.messagesQuery, response: s.messageList }, async ({ query }) => ({
    messages: (await listMessages(pool, query)).map(messageJson),
  }));
  routes.add(router, { method: 'get', path: '/api/messages/:id', tag: 'messages', summary: 'A message: what was sent, its status and timeline', response: s.messageDetail, errors: { 404: 'no such message' } }, async ({ params }) => {
    const m = await getMessageRow(pool, params.id!);
    if (!m) throw new HttpError(404, `no message "${params.id}"`);
    const [entries, outcomes] = await Promise.all([timeline(pool, m.id), outcomesOf(pool, m.id)]);
    return {
      ...messageJson(m),
      content: m.content,
      links: m.links,
      timeline: entries.map((e) => ({ ...e, at: e.at.toISOString() })),
      outcomes: outcomes.map((o) => ({ ...o, exportedAt: o.exportedAt?.toISOString() ?? null })),
    };
  });
  routes.add(router, { method: 'get', path: '/api/mailbox', tag: 'messages', summary: 'What the mailbox email and SMS providers "sent", newest first', query: s.mailboxQuery, response: mailboxList }, async ({ query }) => {
    const rows = await listMailbox(pool, { ...query, before: query.cursor });
    const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
    return { messages: rows.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })), nextCursor: last?.id ?? null };
  });
  routes.add(router, { method: 'get', path: '/api/settings/export', tag: 'outcomes', summary: 'Which outcome statuses are exported to Segment', response: s.exportSettings }, async () => ({
    statuses: await exportedStatuses(pool, EXPORTABLE_OUTCOMES),
  }));
  routes.add(
    router,
    { method: 'put', path: '/api/settings/export', tag: 'outcomes', summary: 'Choose which outcome statuses are exported to Segment (outcomes of other statuses are recorded as skipped)', body: s.exportSettings, response: s.exportSettings },
    async ({ body }) => {
      const statuses = [...new Set(body.statuses)];
      await saveExportedStatuses(pool, statuses);
      return { statuses };
    },
  );
  return router;
}
