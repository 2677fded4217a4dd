import type { Pool } from 'pg';
import { storeEvents } from '../db/events';
import { toLogEntry, type EventStatus, type LogEntry } from './entries';
import { GroupCommit } from './group-commit';
import { metrics } from '../metrics';

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
 * Ingest: validate, log once per messageId, and queue profile changes in the
 * outbox, all in one statement. It never talks to Temporal.
 */
export class IngestPipeline {
  private readonly commits: GroupCommit<LogEntry, IngestResult>;

  constructor(private readonly pool: Pool) {
    this.commits = new GroupCommit((entries) => this.write(entries));
  }

  async ingest(rawEvents: unknown[]): Promise<IngestResult[]> {
    const entries = rawEvents.map(toLogEntry);
    const tooLarge = entries.findIndex((e) => Buffer.byteLength(e.payload) > MAX_EVENT_BYTES);
    if (tooLarge >= 0) throw new EventTooLargeError(tooLarge);
    const results = await this.commits.submit(entries);
    for (const r of results) metrics.ingestedEvents.inc({ status: r.status });
    return results;
  }

  private async write(entries: LogEntry[]): Promise<IngestResult[]> {
    const stored = await storeEvents(this.pool, entries);
    return entries.map((e, i) => {
      const row = stored[i];
      if (row === undefined) return { messageId: e.messageId, status: 'duplicate' };
      const status = row.status as EventStatus;
      return e.error ? { messageId: e.messageId, status, error: e.error } : { messageId: e.messageId, status };
    });
  }
}
