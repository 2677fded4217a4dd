/** Trait rules shared by identify, group and the profile API. Pure functions. */

export type Traits = Record<string, unknown>;

function isPlainObject(v: unknown): v is Traits {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges `patch` into `base` without mutating either: objects merge key by
 * key, arrays and scalars replace, and `null` deletes the key.
 */
export function mergeTraits(base: Traits, patch: Traits): Traits {
  const out: Traits = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value)) setOwn(out, key, mergeTraits(Object.hasOwn(out, key) && isPlainObject(out[key]) ? out[key] : {}, value));
    else if (value !== undefined) setOwn(out, key, value);
  }
  return out;
}

/** Plain assignment of a key named `__proto__` would set the prototype instead of storing the trait. */
function setOwn(target: Traits, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Removes `null`s at every depth, for a replace whose body should not store tombstones. */
export function withoutNulls(traits: Traits): Traits {
  return mergeTraits({}, traits);
}

export interface Contact {
  email?: string;
  phone?: string;
  tokens: Record<string, unknown>;
}

const PHONE_KEYS = ['phone', 'phone_number', 'sms'] as const;

/** The addresses Homing can send to, read from a profile's traits. */
export function contactOf(traits: Traits): Contact {
  const email = typeof traits.email === 'string' && traits.email.trim() ? traits.email.trim() : undefined;
  const phoneKey = PHONE_KEYS.find((k) => typeof traits[k] === 'string' && (traits[k] as string).trim());
  const tokens = isPlainObject(traits.tokens) ? traits.tokens : {};
  return { email, phone: phoneKey ? (traits[phoneKey] as string).trim() : undefined, tokens };
}

export const TOP_LEVEL_EMAIL_NOTE = 'email taken from the top-level "email" field (traits.email was absent)';

/**
 * The traits an identify sets. Segment's Event Tester puts `email` at the top
 * level; it counts when `traits.email` is absent.
 */
export function identifyTraits(event: { traits?: Traits | null; email?: string | null }): { traits: Traits; note?: string } {
  const traits = event.traits ?? {};
  if (traits.email === undefined && typeof event.email === 'string' && event.email) {
    return { traits: { ...traits, email: event.email }, note: TOP_LEVEL_EMAIL_NOTE };
  }
  return { traits };
}

/**
 * Engage sends audience membership as an identify whose
 * `context.personas.computation_class` is "audience": the trait named by
 * `computation_key` is true on entry and false on exit.
 */
export function audienceChange(event: { traits?: Traits | null; context?: Traits | null }): { audience: string; member: boolean } | undefined {
  const personas = event.context?.personas;
  if (!isPlainObject(personas) || personas.computation_class !== 'audience') return undefined;
  const key = personas.computation_key;
  if (typeof key !== 'string' || !key) return undefined;
  const value = event.traits?.[key];
  return typeof value === 'boolean' ? { audience: key, member: value } : undefined;
}
