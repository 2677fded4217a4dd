import express from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import { automations, findAutomation, isChannel, paramsSchema, type Automation } from '../automations/catalog';
import { MappingError, validateMapping } from '../automations/mappings';
import type { RunControl } from '../automations/runs';
import { deleteMapping, getMapping, listMappings, listMappingVersions, saveMapping, type Mapping, type MappingDefinition } from '../db/mappings';
import { listMessages } from '../db/messages';
import { getRun, listRuns, type RunRow } from '../db/runs';
import { inTransaction } from '../db/pool';
import { iso } from './admin-router';
import { HttpError } from './errors';
import { messageJson } from './messages-router';
import type { RouteRegistry } from './routes';
import * as s from './automation-schemas';

export interface AutomationsRouterDeps {
  pool: Pool;
  routes: RouteRegistry;
  runs: RunControl;
  /** Base of run links, e.g. http://localhost:8233; no links without it. */
  temporalUiUrl?: string;
  namespace: string;
}


const mappingJson = (m: Mapping) => ({ ...m, createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() });

/** The catalog, mappings and runs of the management API. */
export function automationsRouter(deps: AutomationsRouterDeps): express.Router {
  const router = express.Router();
  const { pool, routes } = deps;

  const runJson = (r: RunRow) => ({
    id: r.id,
    mapping: { id: r.mapping_id, version: r.mapping_version },
    automation: r.automation,
    userId: r.user_id,
    trigger: { event: r.trigger_event, messageId: r.trigger_message_id },
    status: r.status,
    result: r.result,
    cancelRequestedAt: iso(r.cancel_requested_at),
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    closedAt: iso(r.closed_at),
    temporalUiUrl: deps.temporalUiUrl ? `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(r.id)}` : null,
  });

  routes.add(router, { method: 'get', path: '/api/automations', tag: 'automations', summary: 'The catalog of code automations and their parameter schemas', response: s.automationList }, async () => ({
    automations: automations().map((a) => ({ id: a.id, description: a.description, parameters: z.toJSONSchema(paramsSchema(a), { io: 'input' }) as Record<string, unknown> })),
  }));

  routes.add(
    router,
    {
      method: 'post',
      path: '/api/automations/:id/template-slots',
      tag: 'automations',
      summary: "The automation's template parameters and the channel each one's template must have, for these parameters (a slot's channel may depend on them)",
      body: s.templateSlotsBody,
      response: s.templateSlotList,
      errors: { 404: 'no such automation' },
    },
    async ({ params, body }) => {
      const automation = findAutomation(params.id!);
      if (!automation) throw new HttpError(404, `no automation "${params.id}"`);
      // The definition's own parameters, without the template ids being chosen; a slot
      // chosen by parameters that do not fit yet (or by code that throws) has no channel yet.
      const parsed = automation.params.safeParse(body.params);
      const channelOf = (slot: Automation['templates'][string]) => {
        if (typeof slot !== 'function') return slot;
        try {
          const channel: unknown = parsed.success ? slot(parsed.data) : null;
          return isChannel(channel) ? channel : null;
        } catch {
          return null;
        }
      };
      return { slots: Object.entries(automation.templates).map(([param, slot]) => ({ param, channel: channelOf(slot) })) };
    },
  );

  /** Validates and writes a mapping in one transaction (the template check and the write see the same state). */
  const save = (id: string, body: MappingDefinition, mode: 'create' | 'update') =>
    inTransaction(pool, async (client) => {
      try {
        return await saveMapping(client, id, await validateMapping(client, body), mode);
      } catch (err) {
        if (err instanceof MappingError) throw new HttpError(400, err.message, err.details);
        throw err;
      }
    });

  routes.add(router, { method: 'get', path: '/api/mappings', tag: 'mappings', summary: 'Every mapping', response: s.mappingList }, async () => ({
    mappings: (await listMappings(pool)).map(mappingJson),
  }));
  routes.add(
    router,
    { method: 'post', path: '/api/mappings', tag: 'mappings', summary: 'Create a mapping (trigger → automation and parameters)', body: s.newMappingBody, response: s.mapping, status: 201, errors: { 409: 'a mapping with this id exists' } },
    async ({ body }) => {
      const { id = `map_${crypto.randomUUID().slice(0, 8)}`, ...definition } = body;
      const created = await save(id, definition, 'create');
      if (!created) throw new HttpError(409, `mapping "${id}" exists; change it with PUT /api/mappings/${id}`);
      return mappingJson(created);
    },
  );
  routes.add(router, { method: 'get', path: '/api/mappings/:id', tag: 'mappings', summary: 'A mapping', response: s.mapping, errors: { 404: 'no such mapping' } }, async ({ params }) => {
    const m = await getMapping(pool, params.id!);
    if (!m) throw new HttpError(404, `no mapping "${params.id}"`);
    return mappingJson(m);
  });
  routes.add(
    router,
    { method: 'get', path: '/api/mappings/:id/versions', tag: 'mappings', summary: "A mapping's saved versions, newest first (kept after the mapping is deleted: its runs refer to them)", response: s.mappingVersions, errors: { 404: 'no such mapping, nor ever was' } },
    async ({ params }) => {
      const versions = await listMappingVersions(pool, params.id!);
      if (versions.length === 0) throw new HttpError(404, `no mapping "${params.id}"`);
      return { versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })) };
    },
  );
  routes.add(
    router,
    { method: 'put', path: '/api/mappings/:id', tag: 'mappings', summary: 'Replace a mapping: a new version; running runs keep theirs', body: s.mappingBody, response: s.mapping, errors: { 404: 'no such mapping' } },
    async ({ params, body }) => {
      const updated = await save(params.id!, body, 'update');
      if (!updated) throw new HttpError(404, `no mapping "${params.id}"`);
      return mappingJson(updated);
    },
  );
  routes.add(router, { method: 'delete', path: '/api/mappings/:id', tag: 'mappings', summary: 'Delete a mapping (its runs go on)', response: z.object({ deleted: z.literal(true) }), errors: { 404: 'no such mapping' } }, async ({ params }) => {
    if (!(await deleteMapping(pool, params.id!))) throw new HttpError(404, `no mapping "${params.id}"`);
    return { deleted: true as const };
  });

  routes.add(router, { method: 'get', path: '/api/runs', tag: 'runs', summary: 'Runs, newest first', query: s.runsQuery, response: s.runList }, async ({ query }) => ({
    runs: (await listRuns(pool, query)).map(runJson),
  }));
  const runOr404 = async (id: string) => {
    const run = await getRun(pool, id);
    if (!run) throw new HttpError(404, `no run "${id}"`);
    return run;
  };
  routes.add(router, { method: 'get', path: '/api/runs/:id', tag: 'runs', summary: 'A run with its messages', response: s.runDetail, errors: { 404: 'no such run' } }, async ({ params }) => {
    const run = await runOr404(params.id!);
    const messages = await listMessages(pool, { runId: run.id, limit: 1000 });
    return { ...runJson(run), input: run.input, messages: messages.map(messageJson) };
  });
  routes.add(
    router,
    { method: 'post', path: '/api/runs/:id/cancel', tag: 'runs', summary: 'Cancel a run: it sends nothing more, messages not sent yet become CANCELED; sent ones keep their status', response: s.run, errors: { 404: 'no such run', 409: 'the run has ended' } },
    async ({ params }) => {
      const run = await runOr404(params.id!);
      if (!(await deps.runs.cancel(run.id))) throw new HttpError(409, `run "${run.id}" has ended (${run.status}); nothing to cancel`);
      return runJson((await getRun(pool, run.id))!);
    },
  );
  return router;
}
