import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLine, isAlive } from './processes';

// What Homing keeps in a data dir: one holding only these (or nothing) is Homing's own.
const HOMING_ENTRIES = new Set(['secrets.json', 'runtime.json', 'homing.lock', 'postgres', 'pg-runtime', 'tools', '.postgres-password', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']);
// Hold secrets (the Postgres password, the API key) or workflow payloads: for the owner's eyes only.
const PRIVATE_FILES = ['secrets.json', 'runtime.json', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm'];

/**
 * Closed to other users: 0700, or 0711 as root, where the `postgres` user must
 * pass through it to its cluster and binaries (it still cannot list it).
 */
const DIR_MODE = () => (os.userInfo().uid === 0 ? 0o711 : 0o700);

/** Creates the data dir (and missing parents) with that mode, whatever the umask; an existing one is left as it is. */
export function ensureDataDir(dataDir: string): void {
  const first = fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE() });
  if (first === undefined) return;
  for (let d = path.resolve(dataDir); ; d = path.dirname(d)) {
    fs.chmodSync(d, DIR_MODE());
    if (d === path.resolve(first)) return;
  }
}

/**
 * Gives the data dir that mode, and files made before this existed are
 * tightened too. A directory that holds anything else (HOMING_DATA_DIR=. or
 * /var/lib) keeps its mode: closing it could break whatever else lives there.
 */
export function secureDataDir(dataDir: string): void {
  ensureDataDir(dataDir);
  if (fs.readdirSync(dataDir).every((entry) => HOMING_ENTRIES.has(entry))) fs.chmodSync(dataDir, DIR_MODE());
  for (const name of PRIVATE_FILES) {
    const file = path.join(dataDir, name);
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  }
}

/** A pid from the lock file that is a live process, and (where /proc says) a program like this one, not a reused pid. */
function holder(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  // A reused pid may be any node process: only a `homing start` (cli.js or the homing bin) holds the lock.
  const argv = commandLine(pid);
  return !argv || (argv.includes('start') && argv.some((a) => /^(cli\.js|homing(\.js)?)$/.test(path.basename(a)))) ? pid : undefined;
}

/**
 * One `homing start` per data dir: two would run two Postgres clusters and two
 * Temporal servers on the same files. The lock file holds the pid; one left
 * by a crashed start (dead pid) is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'homing.lock');
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(file);
      if (pid) throw new Error(`another "homing start" (pid ${pid}) is running on ${dataDir} (if it is not, remove ${file})`);
      // Left by a start that died: take it over (the exclusive create above is retried).
      fs.rmSync(file, { force: true });
    }
  }
  const release = () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return release;
}
