import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLine, isAlive } from './processes';

// Hold secrets (the Postgres password, the API key) or workflow payloads: for the owner's eyes only.
const PRIVATE_FILES = ['secrets.json', 'runtime.json', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm'];

/**
 * Closes the data dir to other users: 0700, or 0711 as root, where the
 * `postgres` user must pass through it to its cluster and binaries (it still
 * cannot list it). Files made before this existed are tightened too.
 */
export function secureDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, os.userInfo().uid === 0 ? 0o711 : 0o700);
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
  const argv = commandLine(pid);
  return !argv || path.basename(argv[0] ?? '') === path.basename(process.argv0) ? pid : undefined;
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
      if (pid) throw new Error(`another "homing start" (pid ${pid}) is running on ${dataDir}`);
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
