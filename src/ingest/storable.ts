import { LONE_SURROGATE } from '../db/pg-bounds';

/**
 * Postgres stores neither U+0000 (in text or jsonb) nor a lone UTF-16
 * surrogate (in jsonb): one such character anywhere in an event makes the
 * whole ingest statement fail. Such an event is logged as invalid instead,
 * with a copy in which each of those characters is replaced by U+FFFD.
 */

const REPLACEMENT = '\ufffd';
/**
 * In JSON.stringify's output, NUL and lone surrogates (and only those among
 * the characters that matter here) appear as \u escapes; an escaped backslash
 * before "u" is not one.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i;

/** Cheap test on the serialized event; false for nearly every real event. */
export function mayBeUnstorable(json: string): boolean {
  return UNSTORABLE_ESCAPE.test(json);
}

/** What in `s` cannot be stored, as the reason will say it. */
function flaw(s: string): string | undefined {
  if (s.includes('\u0000')) return 'U+0000';
  const lone = LONE_SURROGATE.exec(s);
  return lone ? `a lone surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()})` : undefined;
}

const UNSTORABLE_CHARS = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g');
const clean = (s: string): string => s.replace(UNSTORABLE_CHARS, REPLACEMENT);

/**
 * A storable copy of a JSON value and, when anything had to be replaced, the
 * first problem with its path, e.g. `properties.note contains U+0000, which cannot be stored`.
 */
export function storableCopy(value: unknown): { value: unknown; problem?: string } {
  let problem: string | undefined;
  const walk = (v: unknown, path: string[]): unknown => {
    if (typeof v === 'string') {
      const f = flaw(v);
      if (f === undefined) return v;
      problem ??= `${path.join('.')} contains ${f}, which cannot be stored`;
      return clean(v);
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, String(i)]));
    if (typeof v !== 'object' || v === null) return v;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      const f = flaw(key);
      const storedKey = f === undefined ? key : clean(key);
      if (f !== undefined) problem ??= `${path.length > 0 ? path.join('.') : 'the event'} has a key that contains ${f}, which cannot be stored`;
      copy[storedKey] = walk(item, [...path, storedKey]);
    }
    return copy;
  };
  const copy = walk(value, []);
  return problem === undefined ? { value: copy } : { value: copy, problem };
}
