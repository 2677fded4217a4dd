import express from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { CHANNELS } from '../channels';
import { getTemplate, getTemplateVersion } from '../db/templates';
import { INT4_MAX } from '../db/pg-bounds';
import { ProviderError } from '../messaging/providers/types';
import { sendTest, type TestSendSettings } from '../messaging/test-send';
import { HttpError } from './errors';
import type { RouteRegistry } from './routes';
import { asRequestError } from './templates-router';

const body = z.strictObject({
  to: z.string().min(1).max(320).describe("the address to send to, in the channel's form (an email address, an E.164 number, …)"),
  version: z.number().int().min(1).max(INT4_MAX).optional().describe('a published version; the draft when absent'),
  profileId: z.string().min(1).max(1000).optional().describe('render against this profile (userId or alias); an empty profile when absent'),
  eventId: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, 'eventId must be the id of a logged event (GET /api/events)')
    .optional()
    .describe('render against this logged event (its id in GET /api/events); an empty event when absent'),
});

const sent = z.object({
  messageId: z.string().describe('a test id ("test_…"): no message, run or outcome is recorded for it'),
  channel: z.enum(CHANNELS),
  provider: z.string(),
  providerMessageId: z.string(),
  to: z.string(),
  rendered: z.record(z.string(), z.string()),
});

/**
 * POST /api/templates/:id/test-send: "send a test" from the template editor.
 * `settings` absent (an app without providers, e.g. a test's own API) answers 503.
 */
export function templateTestSendRouter(deps: { pool: Pool; routes: RouteRegistry; settings?: TestSendSettings }): express.Router {
  const router = express.Router();
  const { pool, routes, settings } = deps;

  routes.add(
    router,
    {
      method: 'post',
      path: '/api/templates/:id/test-send',
      tag: 'templates',
      summary: "Render the draft (or a published version) against a profile and a logged event, and send it to an address through the channel's provider, as a test (no run, message or outcome)",
      body,
      response: sent,
      errors: { 404: 'no such template, version, profile or event', 502: 'the provider refused or is unavailable' },
    },
    async ({ params, body: { to, version, profileId, eventId } }) => {
      const id = params.id!;
      if (!settings) throw new HttpError(503, 'test sends are not available in this process: it has no providers');
      const source =
        version === undefined ? await getTemplate(pool, id).then((t) => t && { channel: t.channel, content: t.draft }) : await getTemplateVersion(pool, id, version);
      if (!source) throw new HttpError(404, version === undefined ? `no template "${id}"` : `template "${id}" has no published version ${version}`);
      try {
        const result = await asRequestError(() => sendTest(pool, settings, { channel: source.channel, content: source.content, to, profileId, eventId }));
        if ('missing' in result) throw new HttpError(404, result.missing);
        if ('invalidAddress' in result) throw new HttpError(400, result.invalidAddress);
        const { sent: _, ...rest } = result;
        return { ...rest, channel: source.channel, to };
      } catch (err) {
        if (err instanceof ProviderError) throw new HttpError(502, `the ${source.channel} provider did not take the test: ${err.message}`);
        throw err;
      }
    },
  );
  return router;
}
