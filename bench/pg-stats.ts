/** What the bench reads about Postgres: its postmaster, commit and WAL counters, the outbox backlog. */
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';

export function postmasterPid(pgDataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(pgDataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

export async function pgCounters(pool: Pool): Promise<{ commits: number; walSyncs: number; walBytes: number }> {
  const { rows } = await pool.query<{ commits: string; wal_sync: string; wal_bytes: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits, wal_sync, wal_bytes FROM pg_stat_wal`,
  );
  const r = rows[0]!;
  return { commits: Number(r.commits), walSyncs: Number(r.wal_sync), walBytes: Number(r.wal_bytes) };
}

export async function outboxSize(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
  return Number(rows[0]!.n);
}
