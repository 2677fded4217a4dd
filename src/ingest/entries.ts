import crypto from 'node:crypto';
import { validateEvent } from '../segment/validate';
import type { SegmentEvent } from '../segment/schemas';
import { identifyTraits } from './traits';
import { shardOf } from './shards';

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

/**
 * Validates one raw event and turns it into a log entry. Never throws: an
 * event that does not fit the Segment Spec becomes an `invalid` entry.
 */
export function toLogEntry(raw: unknown): LogEntry {
  // A non-object is logged (as invalid) wrapped, so the log's payload is always an object.
  const obj = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : { value: raw }) as Record<string, unknown>;
  const messageId = typeof obj.messageId === 'string' && obj.messageId ? obj.messageId : `homing-${crypto.randomUUID()}`;
  const stored = obj.messageId === messageId ? obj : { ...obj, messageId };
  const payload = JSON.stringify(stored);
  const base = {
    messageId,
    type: typeof obj.type === 'string' ? obj.type : 'unknown',
    event: null,
    userId: str(obj.userId),
    anonymousId: str(obj.anonymousId),
    note: null,
    payload,
    shard: null,
  };
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
