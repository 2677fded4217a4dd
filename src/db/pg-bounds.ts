import { z } from 'zod';

/**
 * Bounds of what Postgres can store or compare, for validating input before it
 * reaches a query: a value outside them fails the whole statement (22P05,
 * 22021, 22003), which would otherwise surface as a 500.
 */

// text and jsonb cannot hold U+0000, and UTF-8 has no encoding for a lone UTF-16 surrogate.
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE.source}`);
const UNSTORABLE_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';

export const INT4_MAX = 2_147_483_647;
const INT8_MAX = 9_223_372_036_854_775_807n;
/** Deeper JSON is refused: nothing Homing stores needs it, and recursive code (jsonb, rendering) must not overflow. */
export const MAX_JSON_DEPTH = 64;

export const isStorableText = (s: string) => !UNSTORABLE.test(s);

/** A string Postgres text can hold. */
export const pgText = () => z.string().refine(isStorableText, UNSTORABLE_MESSAGE);

const DECIMAL_ID = /^\d{1,19}$/;
/** A bigserial id as a decimal string (cursors); `message` says what else is wrong with it. */
export const pgBigintId = (message: string) =>
  z
    .string()
    .regex(DECIMAL_ID, message)
    // Zod runs every check: this one must not throw on what the regex refused.
    .refine((s) => !DECIMAL_ID.test(s) || BigInt(s) <= INT8_MAX, `${message} (it is beyond the largest id)`);

/**
 * Why a parsed JSON value cannot be stored as jsonb, or undefined: a string or
 * key Postgres rejects, or nesting deeper than MAX_JSON_DEPTH. Iterative, as
 * the value may be nested deeper than the stack allows recursion.
 */
export function jsonProblem(value: unknown, label: string): string | undefined {
  const pending: Array<[value: unknown, path: string, depth: number]> = [[value, label, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, path, depth] = next;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return `${path}: ${UNSTORABLE_MESSAGE}`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `${label}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(v)) {
      if (!isStorableText(key)) return `${path}: keys ${UNSTORABLE_MESSAGE}`;
      pending.push([child, `${path}.${key}`, depth + 1]);
    }
  }
  return undefined;
}
