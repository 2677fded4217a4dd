import { z } from 'zod';
import { segmentEventSchema, type SegmentEvent } from './schemas';

export type Validation = { ok: true; event: SegmentEvent } | { ok: false; error: string };

/** One readable line naming the first problems zod found, e.g. `event: track needs an event name`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function validateEvent(raw: unknown): Validation {
  const parsed = segmentEventSchema.safeParse(raw);
  return parsed.success ? { ok: true, event: parsed.data } : { ok: false, error: describeIssues(parsed.error) };
}
