import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type TemplateSummary } from '../../api/client';

/** One property of an automation's parameter JSON Schema, as far as the form reads it. */
export interface ParamSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

/** Template parameter → the channel its template must have (null while the parameters that choose it are not filled in). */
export type SlotChannels = Record<string, string | null>;

/**
 * The automation's template slots for the values chosen so far, as the server
 * works them out from the definition itself (a slot's channel may be a
 * function of the parameters, as single-send's is), so user automations get
 * the right pickers too.
 */
export function useTemplateSlots(automationId: string, params: Record<string, unknown>): SlotChannels {
  const slots = useQuery({
    queryKey: ['template-slots', automationId, params],
    queryFn: async () =>
      unwrap(await api.POST('/api/automations/{id}/template-slots', { params: { path: { id: automationId } }, body: { params } })).slots,
    enabled: automationId !== '',
    placeholderData: keepPreviousData,
  });
  return Object.fromEntries((slots.data ?? []).map((s) => [s.param, s.channel]));
}

/** Published templates a slot may use (any channel while its channel is not known yet: the API checks it on save). */
export function templatesFor(channel: string | null | undefined, templates: readonly TemplateSummary[]): TemplateSummary[] {
  return templates.filter((t) => t.publishedVersion !== null && (!channel || t.channel === channel));
}
