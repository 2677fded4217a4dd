import { Pool } from 'pg';

export type { Pool, PoolClient } from 'pg';

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs fn in one transaction on one pooled client. */
export async function inTransaction<T>(pool: Pool, fn: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** True for errors that mean "the database is unreachable", as opposed to a bad query. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    // Node socket errors, and Postgres classes 08 (connection), 53 (resources), 57P (shutdown).
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(e.code)) return true;
    if (/^(08|53|57P)/.test(e.code)) return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated/i.test(e?.message ?? '');
}
