import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { tempDir } from '../helpers/servers';

/** The embedded Postgres as a library (the benchmark and the cluster check start it this way, not through `homing start`). */
it('starts in a data dir that does not exist yet, creating it closed to other users', async () => {
  const parent = tempDir('homing-embedded-pg-');
  const dataDir = path.join(parent, 'not', 'yet');
  const pg = await startEmbeddedPostgres({ dataDir });
  try {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    // As root the postgres user must still pass through it to its cluster and binaries.
    expect(fs.statSync(dataDir).mode & 0o777).toBe(os.userInfo().uid === 0 ? 0o711 : 0o700);
  } finally {
    await pg.stop();
    fs.rmSync(parent, { recursive: true, force: true });
  }
}, 120_000);
