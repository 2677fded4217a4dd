import { DatabaseError, Pool } from 'pg';

export type { Pool, PoolClient } from 'pg';

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // A client losing its server (a restart, a failover, pg_terminate_backend) must not crash the
  // process, idle or checked out (pg-pool only listens while idle): the next query on it reports it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs fn in one transaction on one pooled client. */
export async function inTransaction<T>(pool: Pool, fn: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A client whose ROLLBACK failed is broken (its connection is gone or mid-transaction): not back into the pool.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.release(broken);
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

/**
 * True for errors where Postgres refused a value for what it is: class 22
 * (data exception: U+0000 in text, a number out of range…) or 54 (too large,
 * e.g. for an index row). The request's fault, not the server's.
 */
export function isDataError(err: unknown): boolean {
  return err instanceof DatabaseError && typeof err.code === 'string' && /^(22|54)/.test(err.code);
}

/**
 * Retries `fn` a few times, with backoff, while the database is unreachable.
 * For recording what already happened outside (a provider took a message,
 * Segment took outcomes): failing there would make the caller do it again.
 * `fn` must be idempotent: a dropped connection may hide a commit.
 */
export async function retryWhileUnavailable<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isUnavailable(err)) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
    }
  }
}
