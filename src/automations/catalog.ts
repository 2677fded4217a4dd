import { z } from 'zod';
import * as builtIn from '../../workflows/automations';
import type { Automation } from '../sdk/automation';
import { CHANNELS, isChannel, type Channel } from '../channels';

export type { Automation };

/** A definition that cannot be loaded; start-up stops with this one line. */
export class DefinitionError extends Error {}

const templateId = z.string().min(1).describe('id of a template (its published version is used)');

/** Workflow types the bundle exports by name; an automation with one of these ids would never run. */
const RESERVED_IDS = new Set(['profileShard', 'outcomeExport', 'emailThenSms', 'singleSend', 'default']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const builtIns: readonly Automation[] = Object.values(builtIn);
/** Every automation this process knows: the built-ins, then HOMING_AUTOMATIONS' (set once at start-up). */
let catalog: readonly Automation[] = builtIns;

export const automations = (): readonly Automation[] => catalog;

export function findAutomation(id: string): Automation | undefined {
  return catalog.find((a) => a.id === id);
}

/** The track events some automation's runs can wait for or exit on. */
export function listenedEvents(): string[] {
  return [...new Set(catalog.flatMap((a) => [...(a.events ?? []), ...(a.exitOn ?? [])]))];
}

/** Adds the user's (checked) automations to the built-ins; a DefinitionError when an id is taken. */
export function installAutomations(user: ReadonlyArray<{ file: string; automation: Automation }>): void {
  const from = new Map<string, string>(builtIns.map((a) => [a.id, 'a built-in automation']));
  for (const { file, automation } of user) {
    const taken = from.get(automation.id);
    if (taken) throw new DefinitionError(`${file}: the id "${automation.id}" is already taken by ${taken}`);
    from.set(automation.id, file);
  }
  catalog = [...builtIns, ...user.map((u) => u.automation)];
}

/** The parameters a mapping gives: the definition's own, plus a template id for each template slot. */
export function paramsSchema(a: Automation): z.ZodObject {
  return a.params.extend(Object.fromEntries(Object.keys(a.templates).map((slot) => [slot, templateId])));
}

/** Each template slot with the channel its template must have, for these (parsed) parameters. */
export function templateSlots(a: Automation, params: Record<string, unknown>): Array<{ param: string; channel: Channel }> {
  return Object.entries(a.templates).map(([param, channel]) => ({ param, channel: typeof channel === 'function' ? channel(params) : channel }));
}

export { isChannel };

/** Checks what TypeScript cannot (a definition may be plain JavaScript); throws a DefinitionError naming the problem. */
export function checkDefinition(a: Automation): void {
  const name = typeof a.id === 'string' ? `automation "${a.id}"` : 'an automation';
  const fail = (why: string): never => {
    throw new DefinitionError(`${name}: ${why}`);
  };
  if (typeof a.id !== 'string' || !ID.test(a.id)) fail('id must be 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit');
  if (RESERVED_IDS.has(a.id)) fail(`the id "${a.id}" is reserved (a workflow of Homing's own has that name)`);
  if (typeof a.description !== 'string' || !a.description.trim()) fail('description must be a non-empty string');
  if (typeof a.run !== 'function') fail('run must be an async function (ctx, params) => outcome');
  // zod 4's object schemas, whichever copy of zod made them (use the `z` that homing/automation exports).
  if ((a.params as unknown as { _zod?: { def?: { type?: string } } })?._zod?.def?.type !== 'object') fail('params must be a z.object(...) (import { z } from "homing/automation")');
  if (typeof a.templates !== 'object' || a.templates === null) fail('templates must be an object of slot → channel');
  for (const [slot, channel] of Object.entries(a.templates)) {
    if (slot in a.params.shape) fail(`template slot "${slot}" is also a parameter; the slot adds its template id parameter itself`);
    if (typeof channel !== 'function' && !isChannel(channel)) fail(`template slot "${slot}": unknown channel ${JSON.stringify(channel)}; channels: ${CHANNELS.join(', ')}`);
  }
  for (const field of ['events', 'exitOn'] as const) {
    const names = a[field];
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === ''))) fail(`${field} must be a list of track event names`);
  }
  if (a.category !== undefined && a.category !== 'marketing' && a.category !== 'transactional') fail('category must be "marketing" or "transactional"');
  if (a.topic !== undefined && (typeof a.topic !== 'string' || a.topic === '')) fail('topic must be a topic id');
  if (a.topic !== undefined && a.category === 'transactional') fail('a topic is for marketing messages; leave out category or make it "marketing"');
  try {
    z.toJSONSchema(paramsSchema(a), { io: 'input' });
  } catch (err) {
    fail(`params cannot be described as JSON Schema for the API: ${(err as Error).message}`);
  }
}
