import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../logger';

/** Custom search attributes on every run, so runs can be found in the Temporal UI by user, mapping and automation. */
export const searchKeys = {
  userId: defineSearchAttributeKey('HomingUserId', SearchAttributeType.KEYWORD),
  mapping: defineSearchAttributeKey('HomingMapping', SearchAttributeType.KEYWORD),
  automation: defineSearchAttributeKey('HomingAutomation', SearchAttributeType.KEYWORD),
};

export function runSearchAttributes(run: { userId: string; mapping: string; automation: string }): TypedSearchAttributes {
  return new TypedSearchAttributes([
    { key: searchKeys.userId, value: run.userId },
    { key: searchKeys.mapping, value: run.mapping },
    { key: searchKeys.automation, value: run.automation },
  ]);
}

export interface EnsureOptions {
  namespace: string;
  /** Where Temporal is, for the log line and the error. */
  address: string;
  log: Logger;
  /** How long a missing namespace is waited for: one made just before Homing starts is NOT_FOUND for about a second. */
  waitMs?: number;
}

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/** listSearchAttributes, retried with backoff while the namespace is NOT_FOUND, until `waitMs` is spent. */
async function listWhenNamespaceExists(operatorService: Connection['operatorService'], opts: EnsureOptions) {
  const { namespace, address, log, waitMs = 30_000 } = opts;
  const deadline = Date.now() + waitMs;
  for (let delay = 100, said = false; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await operatorService.listSearchAttributes({ namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND) throw err;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `namespace "${namespace}" not found on ${address} after ${Math.round(waitMs / 1000)} s: create it (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE`,
        );
      }
      if (!said) log.warn({ namespace, address }, `namespace "${namespace}" not found yet on ${address}; retrying`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, remaining)));
    }
  }
}

/** Registers the search attributes in the namespace when they are missing (a no-op on every later start). */
export async function ensureSearchAttributes(client: Client, opts: EnsureOptions): Promise<void> {
  const { namespace } = opts;
  // Homing's clients are made with a full Connection (see temporal/connection.ts).
  const { operatorService } = client.connection as Connection;
  const { customAttributes } = await listWhenNamespaceExists(operatorService, opts);
  const missing = Object.values(searchKeys).filter((k) => !customAttributes?.[k.name]);
  if (missing.length === 0) return;
  await operatorService
    .addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    })
    .catch((err: { code?: number }) => {
      // Another process registered them at the same moment.
      if (err.code !== ALREADY_EXISTS) throw err;
    });
}
