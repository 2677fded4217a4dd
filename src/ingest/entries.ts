import crypto from 'node:crypto';
import { validateEvent } from '../segment/validate';
import { MAX_ID_CHARS, type SegmentEvent } from '../segment/schemas';
import { identifyTraits } from './traits';
import { shardOf } from './shards';
import { mayBeUnstorable, storableCopy } from './storable';

export type EventStatus = 'accepted' | 'mapped' | 'unmapped' | 'canceled-run' | 'duplicate' | 'invalid';

/** One row of the event log, ready to be written. */
export interface LogEntry {
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  status: EventStatus;
  error: string | null;
  note: string | null;
  /** The event as received (plus a generated messageId), serialized once. */
  payload: string;
  /**
   * The shard that applies the event in the user's order, for events that may
   * change something: profile changes always, track events only when a
   * published mapping names them (storeEvents decides that).
   */
  shard: number | null;
}

const SHARDED_TYPES = new Set(['identify', 'group', 'alias', 'track']);

function eventName(event: SegmentEvent): string | null {
  if (event.type === 'track') return event.event;
  if (event.type === 'page' || event.type === 'screen') return event.name ?? null;
  return null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/** A value for an indexed column, or null when too long to index (the payload keeps it). */
function indexable(v: unknown): string | null {
  const s = str(v);
  return s !== null && s.length <= MAX_ID_CHARS ? s : null;
}

/** The columns known before validation, storable whatever the event holds. */
function baseEntry(obj: Record<string, unknown>, messageId: string, payload: string) {
  return {
    messageId: messageId.length <= MAX_ID_CHARS ? messageId : `homing-${crypto.randomUUID()}`,
    type: (typeof obj.type === 'string' ? indexable(obj.type) : null) ?? 'unknown',
    event: null,
    userId: indexable(obj.userId),
    anonymousId: indexable(obj.anonymousId),
    note: null,
    payload,
    shard: null,
  };
}

/**
 * Validates one raw event and turns it into a log entry. Never throws: an
 * event that does not fit the Segment Spec, or that Postgres could not store,
 * becomes an `invalid` entry.
 */
export function toLogEntry(raw: unknown): LogEntry {
  // A non-object is logged (as invalid) wrapped, so the log's payload is always an object.
  const obj = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : { value: raw }) as Record<string, unknown>;
  const messageId = typeof obj.messageId === 'string' && obj.messageId ? obj.messageId : `homing-${crypto.randomUUID()}`;
  const stored = obj.messageId === messageId ? obj : { ...obj, messageId };
  const payload = JSON.stringify(stored);
  if (mayBeUnstorable(payload)) {
    const copy = storableCopy(stored);
    if (copy.problem !== undefined) {
      const storable = copy.value as Record<string, unknown>;
      return { ...baseEntry(storable, storable.messageId as string, JSON.stringify(storable)), status: 'invalid', error: copy.problem };
    }
  }
  const base = baseEntry(obj, messageId, payload);
  if (obj !== raw) return { ...base, status: 'invalid', error: 'event must be a JSON object' };
  const result = validateEvent(stored);
  if (!result.ok) return { ...base, status: 'invalid', error: result.error };
  const event = result.event;
  const userKey = event.userId ?? event.anonymousId ?? null;
  return {
    ...base,
    type: event.type,
    event: eventName(event),
    userId: event.userId ?? null,
    anonymousId: event.anonymousId ?? null,
    status: event.type === 'track' ? 'unmapped' : 'accepted',
    error: null,
    note: event.type === 'identify' ? (identifyTraits(event).note ?? null) : null,
    shard: SHARDED_TYPES.has(event.type) && userKey ? shardOf(userKey) : null,
  };
}
