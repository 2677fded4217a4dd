/**
 * Statements Postgres ran, per database (homing, temporal, temporal_visibility),
 * from pg_stat_statements: the bench's Postgres preloads it; a server that
 * lacks it is "not measured" rather than guessed.
 */
import type { Pool } from 'pg';

/** What the bench's own Postgres is started with so that its statements can be counted. */
export const PG_STAT_STATEMENTS_FLAGS = ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.max=10000'];

/** Calls (BEGIN and COMMIT included) per database since the extension's last reset. */
export type StatementCounts = Record<string, number>;

// The bench's own reads (the wait sampler, this counter, its stats queries) are not the system's work.
const BENCH_OWN = "pg_stat_(statements|activity|wal|database)|pg_settings|pg_backend_pid";

export class StatementCounter {
  private constructor(private readonly pool: Pool) {}

  /** undefined when the server does not have pg_stat_statements loaded (e.g. an external DATABASE_URL). */
  static async open(pool: Pool): Promise<StatementCounter | undefined> {
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await pool.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
      return new StatementCounter(pool);
    } catch {
      return undefined;
    }
  }

  async read(): Promise<StatementCounts> {
    const { rows } = await this.pool.query<{ datname: string; calls: string }>(
      `SELECT d.datname, sum(s.calls) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE s.query !~* $1 GROUP BY d.datname`,
      [BENCH_OWN],
    );
    return Object.fromEntries(rows.map((r) => [r.datname, Number(r.calls)]));
  }
}

export function statementsDelta(a: StatementCounts, b: StatementCounts): StatementCounts {
  return Object.fromEntries(Object.entries(b).map(([db, n]) => [db, n - (a[db] ?? 0)]).filter(([, n]) => (n as number) > 0));
}
