import express from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import { changePreference, listTopics, preferencesOf } from '../db/consent';
import { inTransaction } from '../db/pool';
import { formToken, isFormToken, readUnsubscribeToken } from '../consent/unsubscribe-links';
import { PAGE_HEADERS, renderError, renderPage, type PageState, type PageView } from '../consent/unsubscribe-page';
import { readBody } from './body';
import { HttpError } from './errors';
import { errorResponses, type RouteRegistry } from './routes';

/** A preferences form: a token, a choice per topic and one checkbox. */
const FORM_BODY_LIMIT = 64 * 1024;

/** What an unsubscribe link names: its message, the message's person, and the run's topic ('' for all marketing). */
interface LinkSubject {
  token: string;
  messageId: string;
  userId: string;
  topic: string;
}

async function subjectOf(pool: Pool, secret: string, token: string): Promise<LinkSubject> {
  const messageId = readUnsubscribeToken(secret, token);
  const row = messageId
    ? (
        await pool.query<{ user_id: string; topic: string | null }>(
          `SELECT m.user_id, r.input->'consent'->>'topic' AS topic FROM messages m LEFT JOIN runs r ON r.id = m.run_id WHERE m.id = $1`,
          [messageId],
        )
      ).rows[0]
    : undefined;
  // A forged or altered token, a tracking token, or a message that is gone: all equally unknown.
  if (!row) throw new HttpError(404, 'unknown unsubscribe link');
  return { token, messageId: messageId!, userId: row.user_id, topic: row.topic ?? '' };
}

/** The person's topics and marketing choice as the page shows them: the every-channel (`*`) preferences over the topics' defaults. */
async function stateOf(pool: Pool, s: LinkSubject): Promise<PageState> {
  const [topics, preferences] = await Promise.all([listTopics(pool), preferencesOf(pool, s.userId)]);
  const chosen = new Map(preferences.filter((p) => p.channel === '*').map((p) => [p.topic, p.subscribed]));
  return {
    topicName: s.topic ? (topics.find((t) => t.id === s.topic)?.name ?? s.topic) : undefined,
    topics: topics.map((t) => {
      const required = t.defaultStatus === 'required';
      return { id: t.id, name: t.name, description: t.description, required, subscribed: required || (chosen.get(t.id) ?? t.defaultStatus === 'opted-in') };
    }),
    marketing: chosen.get('') ?? true,
  };
}

const evidenceOf = (req: express.Request, s: LinkSubject) => ({ messageId: s.messageId, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });

/** People (browsers) get pages; anything else gets JSON, as from every other route. */
const wantsHtml = (req: express.Request) => req.accepts(['json', 'html']) === 'html';

/**
 * The preferences form is only ever posted by Homing's own page: a browser
 * says where a request comes from (Sec-Fetch-Site, Origin), and anything but
 * this site is refused. The form token covers browsers that say nothing.
 * (A cross-site form cannot set X-Forwarded-Host: only a proxy in front of Homing can.)
 */
function refuseCrossSite(req: express.Request): void {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const originHost = origin === undefined ? undefined : URL.canParse(origin) ? new URL(origin).host : 'null';
  const sameOrigin = originHost === undefined || originHost === req.get('host') || originHost === req.get('x-forwarded-host');
  if ((site !== undefined && site !== 'same-origin') || !sameOrigin) throw new HttpError(403, 'cross-site request refused: preferences are changed from their own page only');
}

/** What the form posted: the topics left checked and the all-marketing box. */
function readForm(params: URLSearchParams, state: PageState): { topics: Set<string>; marketing: boolean } {
  const topics = new Set(params.getAll('topic'));
  const unknown = [...topics].find((id) => !state.topics.some((t) => t.id === id));
  if (unknown !== undefined) throw new HttpError(400, `unknown topic ${JSON.stringify(unknown)}`);
  return { topics, marketing: params.get('all') !== 'unsubscribe' };
}

/**
 * The unsubscribe links of marketing email (issue 12, RFC 8058), public and
 * cookie-free, the token being the capability:
 * - `POST /u/:token`: one-click, unsubscribes from the run's topic on every channel at once, whatever the body;
 * - `GET /u/:token`, `GET /u/:token/preferences`: a page; a GET alone (mail scanners fetch links) changes nothing;
 * - `POST /u/:token/preferences`: the page's form, same-origin and with its form token only.
 */
export function unsubscribeRouter(deps: { pool: Pool; secret: string; routes: RouteRegistry }): express.Router {
  const { pool, secret } = deps;
  documentUnsubscribe(deps.routes);
  const router = express.Router();
  router.use('/u', (req, res, next) => {
    res.set(PAGE_HEADERS);
    next();
  });

  const page = async (res: express.Response, s: LinkSubject, view: Omit<PageView, 'token' | 'formToken'>) => {
    const html = renderPage(await stateOf(pool, s), { ...view, token: s.token, formToken: formToken(secret, s.token) });
    res.type('html').send(html);
  };

  router.get('/u/:token', async (req, res) => page(res, await subjectOf(pool, secret, req.params.token), { mode: 'unsubscribe' }));
  router.get('/u/:token/preferences', async (req, res) => page(res, await subjectOf(pool, secret, req.params.token), { mode: 'preferences' }));

  router.post('/u/:token', async (req, res) => {
    const s = await subjectOf(pool, secret, req.params.token);
    await changePreference(pool, { userId: s.userId, channel: '*', topic: s.topic, subscribed: false, source: 'one-click', evidence: evidenceOf(req, s) });
    // Pages unless JSON is asked for: a mail provider's post accepts anything.
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ unsubscribed: true, channel: '*', topic: s.topic || null });
      return;
    }
    await page(res, s, { mode: 'unsubscribe', notice: 'unsubscribed' });
  });

  router.post('/u/:token/preferences', async (req, res) => {
    const s = await subjectOf(pool, secret, req.params.token);
    refuseCrossSite(req);
    const params = new URLSearchParams((await readBody(req, FORM_BODY_LIMIT)).toString('utf8'));
    if (!isFormToken(secret, s.token, params.get('csrf') ?? undefined)) {
      throw new HttpError(403, 'missing or invalid form token: reload the page and submit it again');
    }
    const state = await stateOf(pool, s);
    const form = readForm(params, state);
    const evidence = evidenceOf(req, s);
    const change = (topic: string, subscribed: boolean) => ({ userId: s.userId, channel: '*', topic, subscribed, source: 'unsubscribe-page' as const, evidence });
    // Only what differs from what the page showed is a change; required topics are not the person's to turn off.
    const changes = [
      ...state.topics.filter((t) => !t.required && form.topics.has(t.id) !== t.subscribed).map((t) => change(t.id, form.topics.has(t.id))),
      ...(form.marketing !== state.marketing ? [change('', form.marketing)] : []),
    ];
    await inTransaction(pool, async (client) => {
      for (const c of changes) await changePreference(client, c);
    });
    await page(res, s, { mode: 'preferences', notice: 'saved' });
  });

  // The routes' errors as pages for people; JSON `{"error"}` for everyone else (the app's error handler).
  const pageErrors: express.ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof HttpError) || err.status >= 500 || !wantsHtml(req)) return next(err);
    res.status(err.status).type('html').send(renderError(err.message));
  };
  router.use('/u', pageErrors);
  return router;
}

function documentUnsubscribe(routes: RouteRegistry): void {
  const token = { token: z.string().describe('signed by Homing into each marketing message (List-Unsubscribe, {{ unsubscribe_url }})') };
  const html = (description: string) => ({ description, content: { 'text/html': 'text' as const } });
  const unknown = errorResponses({ 400: 'a token that is not percent-encoded UTF-8', 404: 'unknown, forged, altered or wrong-kind unsubscribe link', 503: 'storage unavailable' });
  const common = { tag: 'consent', security: [], params: token };
  routes.document({
    ...common,
    method: 'post',
    path: '/u/:token',
    summary: 'RFC 8058 one-click unsubscribe: unsubscribes the person from the message topic on every channel at once (any body; no cookie, no confirmation)',
    body: { contentType: 'application/x-www-form-urlencoded', schema: z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }) },
    responses: {
      200: {
        description: 'unsubscribed: a confirmation page, or JSON when Accept asks for it',
        content: { 'text/html': 'text', 'application/json': z.object({ unsubscribed: z.literal(true), channel: z.literal('*'), topic: z.string().nullable() }) },
      },
      ...unknown,
    },
  });
  routes.document({ ...common, method: 'get', path: '/u/:token', summary: 'The unsubscribe page: a confirm button and the person\'s topics; changes nothing', responses: { 200: html('the page'), ...unknown } });
  routes.document({ ...common, method: 'get', path: '/u/:token/preferences', summary: 'The preferences page (the form only); changes nothing', responses: { 200: html('the page'), ...unknown } });
  routes.document({
    ...common,
    method: 'post',
    path: '/u/:token/preferences',
    summary: 'The preferences form of the page: same-origin only, with the form token the page embeds',
    body: {
      contentType: 'application/x-www-form-urlencoded',
      schema: z.object({
        csrf: z.string().describe('the form token of the page'),
        topic: z.array(z.string()).optional().describe('the topics to receive (repeated field); the others are turned off, required ones stay on'),
        all: z.literal('unsubscribe').optional().describe('unsubscribes from all marketing on every channel'),
      }),
    },
    responses: {
      200: html('saved: the page with the new choices'),
      ...errorResponses({ 400: 'an unknown topic, a body over 64 KiB, or a token that is not percent-encoded UTF-8', 403: 'cross-site request, or a missing or wrong form token', 404: 'unknown, forged, altered or wrong-kind unsubscribe link', 503: 'storage unavailable' }),
    },
  });
}
