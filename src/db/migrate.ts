import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { inTransaction } from './pool';

/** The SQL files sit beside this module in src/; dist/src/db/ reaches back to them. */
function migrationsDir(): string {
  const candidates = [path.join(__dirname, 'migrations'), path.resolve(__dirname, '../../../src/db/migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Applies the ordered SQL files in db/migrations that have not run yet, all in one
 * transaction. An advisory lock lets several processes start at once.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const dir = migrationsDir();
  const files = fs.readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['homing.migrate']);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      await client.query(fs.readFileSync(path.join(dir, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
}
