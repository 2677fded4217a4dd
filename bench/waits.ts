/**
 * What Postgres's client backends are doing, sampled from pg_stat_activity
 * every few dozen ms (as an active-session-history would): running on CPU,
 * waiting for a WAL flush, for a lock, or idle inside a transaction while the
 * client (Homing) has not sent the next query yet.
 */
import { Client } from 'pg';

export type WaitCounts = Record<string, number>;

/** Which of Homing's statements a backend is busy with. */
function kindOf(query: string): string {
  if (/WITH input AS|INSERT INTO events/i.test(query)) return 'ingest';
  if (/FROM events WHERE message_id = ANY/i.test(query)) return 'bench poller';
  if (/profiles|profile_aliases|outbox|pg_advisory_xact_lock|applied_at = now\(\)|group_members|groups/i.test(query)) return 'apply';
  return 'other';
}

export class WaitSampler {
  private readonly counts: WaitCounts = {};
  private ticks = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly client: Client;

  constructor(databaseUrl: string, private readonly intervalMs = 50) {
    this.client = new Client({ connectionString: databaseUrl, application_name: 'homing-bench-waits' });
  }

  async start(): Promise<void> {
    await this.client.connect();
    const tick = async () => {
      if (this.stopped) return;
      try {
        const { rows } = await this.client.query<{ state: string; wait_event_type: string | null; wait_event: string | null; query: string }>(
          `SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity
           WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
             AND state IN ('active', 'idle in transaction')`,
        );
        this.ticks++;
        for (const r of rows) {
          const what =
            r.state === 'idle in transaction'
              ? 'idle in transaction (waiting for Homing)'
              : r.wait_event_type
                ? `${r.wait_event_type}:${r.wait_event}`
                : 'on CPU';
          const key = `${kindOf(r.query)}|${what}`;
          this.counts[key] = (this.counts[key] ?? 0) + 1;
        }
      } catch {
        // a sample lost is a sample lost
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    void tick();
  }

  /** Counts so far; `ticks` is the number of samples taken. */
  read(): { ticks: number; counts: WaitCounts } {
    return { ticks: this.ticks, counts: { ...this.counts } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client.end().catch(() => undefined);
  }
}

export interface WaitProfile {
  /** Samples taken in the phase. */
  ticks: number;
  /** Per statement kind: average number of backends in each state over the phase. */
  byKind: Record<string, Record<string, number>>;
}

export function waitDelta(a: { ticks: number; counts: WaitCounts }, b: { ticks: number; counts: WaitCounts }): WaitProfile {
  const ticks = Math.max(1, b.ticks - a.ticks);
  const byKind: WaitProfile['byKind'] = {};
  for (const [key, n] of Object.entries(b.counts)) {
    const d = n - (a.counts[key] ?? 0);
    if (d <= 0) continue;
    const [kind, what] = key.split('|') as [string, string];
    (byKind[kind] ??= {})[what] = d / ticks;
  }
  return { ticks: b.ticks - a.ticks, byKind };
}
