import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

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

/** Registers the search attributes in the namespace when they are missing (a no-op on every later start). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  // Homing's clients are made with a full Connection (see temporal/connection.ts).
  const { operatorService } = client.connection as Connection;
  const { customAttributes } = await operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(searchKeys).filter((k) => !customAttributes?.[k.name]);
  if (missing.length === 0) return;
  await operatorService
    .addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    })
    .catch((err: { code?: number }) => {
      // Another process registered them at the same moment.
      if (err.code !== 6 /* ALREADY_EXISTS */) throw err;
    });
}
