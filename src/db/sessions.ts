import crypto from 'node:crypto';
import type { Pool } from 'pg';

/** How long a Studio sign-in lasts: a working day, not extended by use. */
export const SESSION_HOURS = 12;

export interface NewSession {
  /** Goes into the cookie; only its hash is stored. */
  id: string;
  csrfToken: string;
  expiresAt: Date;
}

const randomToken = () => crypto.randomBytes(32).toString('base64url');
const hash = (id: string) => crypto.createHash('sha256').update(id).digest('hex');

/** A new session; expired ones are cleared on the way, so the table holds live sessions only. */
export async function createSession(pool: Pool): Promise<NewSession> {
  const id = randomToken();
  const csrfToken = randomToken();
  await pool.query('DELETE FROM studio_sessions WHERE expires_at < now()');
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO studio_sessions (id_hash, csrf_token, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3)) RETURNING expires_at`,
    [hash(id), csrfToken, SESSION_HOURS],
  );
  return { id, csrfToken, expiresAt: rows[0]!.expires_at };
}

/** The live session with this cookie id, if any. */
export async function findSession(pool: Pool, id: string): Promise<{ csrfToken: string } | undefined> {
  const { rows } = await pool.query<{ csrf_token: string }>('SELECT csrf_token FROM studio_sessions WHERE id_hash = $1 AND expires_at > now()', [hash(id)]);
  return rows[0] && { csrfToken: rows[0].csrf_token };
}

export async function deleteSession(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM studio_sessions WHERE id_hash = $1', [hash(id)]);
}
