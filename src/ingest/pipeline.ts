import type { Pool } from 'pg';
import { storeEvents } from '../db/events';
import { toLogEntry, type EventStatus, type LogEntry } from './entries';
import { GroupCommit } from './group-commit';
import { metrics } from '../metrics';
import { isDataError, isUnavailable } from '../db/pool';

export const MAX_EVENT_BYTES = 32 * 1024;

export interface IngestResult {
  messageId: string;
  status: EventStatus;
  error?: string;
}

/** An event over the per-event size limit: the whole request is refused, as Segment's API does. */
export class EventTooLargeError extends Error {
  constructor(readonly index: number) {
    super(`event ${index} is larger than ${MAX_EVENT_BYTES / 1024} KB`);
  }
}

/**
 * Events Postgres refused for what they contain, in a way toLogEntry does not
 * foresee: the request is refused (400), its neighbours are not affected.
 */
export class UnstorableEventsError extends Error {
  constructor(reason: string) {
    super(`events could not be stored: ${reason}`);
  }
}

/**
 * Ingest: validate, log once per messageId, and queue profile changes in the
 * outbox, all in one statement. It never talks to Temporal.
 */
export class IngestPipeline {
  private readonly commits: GroupCommit<LogEntry, IngestResult>;

  /** `listened`: the track events automations can wait for; queued even when unmapped (see storeEvents). */
  constructor(
    private readonly pool: Pool,
    private readonly listened: readonly string[] = [],
  ) {
    // While the database is unreachable, writing requests one by one would only multiply the failures.
    this.commits = new GroupCommit((entries) => this.write(entries), 4, 1000, (err) => !isUnavailable(err));
  }

  async ingest(rawEvents: unknown[]): Promise<IngestResult[]> {
    const entries = rawEvents.map(toLogEntry);
    const tooLarge = entries.findIndex((e) => Buffer.byteLength(e.payload) > MAX_EVENT_BYTES);
    if (tooLarge >= 0) throw new EventTooLargeError(tooLarge);
    let results: IngestResult[];
    try {
      results = await this.commits.submit(entries);
    } catch (err) {
      // Written alone by now (see GroupCommit), so this request's own data was refused.
      if (isDataError(err)) throw new UnstorableEventsError((err as Error).message);
      throw err;
    }
    for (const r of results) metrics.ingestedEvents.inc({ status: r.status });
    return results;
  }

  private async write(entries: LogEntry[]): Promise<IngestResult[]> {
    const stored = await storeEvents(this.pool, entries, this.listened);
    return entries.map((e, i) => {
      const row = stored[i];
      if (row === undefined) return { messageId: e.messageId, status: 'duplicate' };
      const status = row.status as EventStatus;
      return e.error ? { messageId: e.messageId, status, error: e.error } : { messageId: e.messageId, status };
    });
  }
}
