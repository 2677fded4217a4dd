import { z } from 'zod';
import type { PoolClient } from 'pg';
import { getPublishedTemplate } from '../db/templates';
import { getTopic } from '../db/consent';
import type { MappingDefinition } from '../db/mappings';
import type { RunConsent, TemplateRef } from '../../workflows/types';
import { automations, findAutomation, type Automation, isChannel, paramsSchema, templateSlots } from './catalog';

type Queryable = Pick<PoolClient, 'query'>;

/** Why a mapping cannot be saved; the management API answers it with 400. */
export class MappingError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Checks a mapping against the catalog: the automation exists, its parameters
 * fit its schema (defaults filled in), and a published mapping names
 * published templates of the right channel. Returns the definition to store.
 */
export async function validateMapping(q: Queryable, d: MappingDefinition): Promise<MappingDefinition> {
  const automation = findAutomation(d.automation);
  if (!automation) throw new MappingError(`unknown automation "${d.automation}"; the catalog has: ${automations().map((a) => a.id).join(', ')}`);
  const parsed = paramsSchema(automation).safeParse(d.params);
  if (!parsed.success) throw new MappingError(`params do not fit automation "${automation.id}": ${z.prettifyError(parsed.error)}`, parsed.error.issues);
  if (d.status === 'published') await resolveTemplates(q, automation, parsed.data);
  const { category, topic } = runConsent(d, automation);
  if (d.topic !== undefined && category === 'transactional') throw new MappingError(`topic "${d.topic}": a topic is for marketing messages; leave out category or make it "marketing"`);
  if (topic !== undefined && !(await getTopic(q, topic))) throw new MappingError(`unknown topic "${topic}"; create it first with PUT /api/topics/${topic}`);
  return { ...d, params: parsed.data };
}

/**
 * What a run's messages are: the mapping's category, else the automation's,
 * else marketing when a topic is named and transactional otherwise.
 */
export function runConsent(m: MappingDefinition, automation: Automation | undefined): RunConsent {
  const topic = m.topic ?? automation?.topic;
  const category = m.category ?? automation?.category ?? (topic === undefined ? 'transactional' : 'marketing');
  return {
    category,
    ...(category === 'marketing' && topic !== undefined ? { topic } : {}),
    ...(m.sendingHours ? { sendingHours: m.sendingHours } : {}),
  };
}

/** The published version of every template a run's parameters name, as the run will pin them. */
export async function resolveTemplates(q: Queryable, automation: Automation, params: Record<string, unknown>): Promise<Record<string, TemplateRef>> {
  const refs: Record<string, TemplateRef> = {};
  for (const { param, channel } of templateSlots(automation, params)) {
    if (!isChannel(channel)) throw new MappingError(`${param}: automation "${automation.id}" chose the unknown channel ${JSON.stringify(channel)} for these parameters`);
    const id = String(params[param]);
    const template = await getPublishedTemplate(q, id);
    if (!template) throw new MappingError(`${param}: template "${id}" does not exist or has no published version`);
    if (template.channel !== channel) throw new MappingError(`${param}: template "${id}" is a ${template.channel} template; this parameter needs ${channel}`);
    refs[param] = { id, version: template.version };
  }
  return refs;
}
