import express from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  createTemplate,
  getTemplate,
  getTemplateVersion,
  listTemplates,
  publishTemplate,
  updateTemplateDraft,
  type TemplateSummary,
  type TemplateView,
} from '../db/templates';
import { checkTemplate, ContentTooLargeError, contentSchema, renderTemplate, TemplateError, type Channel, type TemplateContent } from '../messaging/templates';
import { INT4_MAX } from '../db/pg-bounds';
import { HttpError } from './errors';
import type { RouteRegistry } from './routes';
import * as s from './template-schemas';

function summaryJson(t: TemplateSummary) {
  return {
    id: t.id,
    name: t.name,
    channel: t.channel,
    publishedVersion: t.published_version,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
  };
}

function templateJson(t: TemplateView) {
  return {
    ...summaryJson(t),
    draft: t.draft,
    published: t.published,
    versions: t.versions.map((v) => ({ version: v.version, publishedAt: v.published_at.toISOString() })),
  };
}

const noTemplate = (id: string) => new HttpError(404, `no template "${id}"`);

async function templateOr404(pool: Pool, id: string) {
  const t = await getTemplate(pool, id);
  if (!t) throw noTemplate(id);
  return templateJson(t);
}

/** Runs fn, answering a template that does not parse or render (or renders over its size limit) with a 400 naming the field. */
export async function asRequestError<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ContentTooLargeError) throw new HttpError(400, err.message, { field: err.field, limit: err.limit });
    if (err instanceof TemplateError) throw new HttpError(400, err.message, { field: err.field });
    throw err;
  }
}

/** Validates content against the channel (a ZodError, so a 400 naming content.<field>), then parses its Liquid. */
function checkedContent(channel: Channel, content: unknown): Promise<TemplateContent> {
  const parsed = z.object({ content: contentSchema(channel) }).parse({ content }).content;
  return asRequestError(() => {
    checkTemplate(channel, parsed);
    return parsed;
  });
}

/** /api/templates: drafts, immutable published versions and previews. Mounted after the admin router, which authorises /api. */
export function templatesRouter(deps: { pool: Pool; routes: RouteRegistry }): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;
  const missing = { 404: 'no such template' };

  routes.add(router, { method: 'get', path: '/api/templates', tag: 'templates', summary: 'All templates, without their content', response: s.templateList }, async () => ({
    templates: (await listTemplates(pool)).map(summaryJson),
  }));

  routes.add(
    router,
    { method: 'post', path: '/api/templates', tag: 'templates', summary: 'Create a template with its first draft', body: s.createTemplateBody, response: s.template, status: 201, errors: { 409: 'the id is taken' } },
    async ({ body }) => {
      const content = await checkedContent(body.channel, body.content);
      const created = await createTemplate(pool, { ...body, content });
      if (!created) throw new HttpError(409, `template "${body.id}" already exists`);
      return templateOr404(pool, created.id);
    },
  );

  routes.add(router, { method: 'get', path: '/api/templates/:id', tag: 'templates', summary: 'A template: its draft, published content and versions', response: s.template, errors: missing }, ({ params }) =>
    templateOr404(pool, params.id!),
  );

  routes.add(
    router,
    { method: 'put', path: '/api/templates/:id', tag: 'templates', summary: "Edit a template's draft (name and/or content)", body: s.updateTemplateBody, response: s.template, errors: missing },
    async ({ params, body }) => {
      const id = params.id!;
      const current = await getTemplate(pool, id);
      if (!current) throw noTemplate(id);
      if (body.channel !== undefined && body.channel !== current.channel) {
        throw new HttpError(400, `channel cannot change: template "${id}" is ${current.channel}; create a new template for ${body.channel}`);
      }
      const content = body.content === undefined ? undefined : await checkedContent(current.channel, body.content);
      if (!(await updateTemplateDraft(pool, id, { name: body.name, content }))) throw noTemplate(id);
      return templateOr404(pool, id);
    },
  );

  routes.add(
    router,
    { method: 'get', path: '/api/templates/:id/versions/:version', tag: 'templates', summary: 'The content of a published version (e.g. to compare two)', response: s.version, errors: { 404: 'no such template or version' } },
    async ({ params }) => {
      const id = params.id!;
      const number = Number(params.version);
      const found = Number.isInteger(number) && number >= 1 && number <= INT4_MAX ? await getTemplateVersion(pool, id, number) : undefined;
      if (!found) throw new HttpError(404, `template "${id}" has no published version ${params.version}`);
      return { version: found.version, channel: found.channel, content: found.content };
    },
  );

  routes.add(
    router,
    { method: 'post', path: '/api/templates/:id/publish', tag: 'templates', summary: 'Publish the draft as a new immutable version', response: s.published, errors: missing },
    async ({ params }) => {
      const version = await asRequestError(() => publishTemplate(pool, params.id!));
      if (version === undefined) throw noTemplate(params.id!);
      return { version };
    },
  );

  routes.add(
    router,
    {
      method: 'post',
      path: '/api/templates/:id/preview',
      tag: 'templates',
      summary: 'Render the draft, or a published version, against a sample profile, data, group and event',
      body: s.previewBody,
      response: s.preview,
      errors: { 404: 'no such template or version' },
    },
    async ({ params, body: { version, content, ...context } }) => {
      const id = params.id!;
      const source =
        version === undefined
          ? await getTemplate(pool, id).then((t) => t && { channel: t.channel, content: t.draft })
          : await getTemplateVersion(pool, id, version);
      if (!source) throw version === undefined ? noTemplate(id) : new HttpError(404, `template "${id}" has no published version ${version}`);
      // Unsaved content (an editor checking as the user types) renders in the template's channel.
      const rendering = content === undefined ? source.content : await checkedContent(source.channel, content);
      const rendered = await asRequestError(() => renderTemplate(source.channel, rendering, context));
      return { channel: source.channel, rendered };
    },
  );

  return router;
}
