import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { freePort, onFreePort } from './ports';
import { findProcesses, spawnChild, stopChild, stopPid } from './processes';
import { supervise, type RunningChild } from './supervisor';
import type { Logger } from '../logger';

export interface DevServerOptions {
  cliPath: string;
  /** The SQLite file; a restart with the same file keeps every workflow. */
  dbFile: string;
  namespace: string;
  preferredPort?: number;
  /** false: no web UI (tests). */
  ui?: boolean;
  preferredUiPort?: number;
  /** How long to wait for the server to answer; a cold start on 2 cores takes seconds. */
  readyTimeoutMs?: number;
  log?: Logger;
}

export interface DevServerHandle {
  address: string;
  uiUrl?: string;
  /** The server process started last. */
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Polls until the namespace answers, the process dies, or time runs out. */
async function waitReady(address: string, namespace: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}\n${output()}`);
}

/**
 * A dev server left running on this SQLite file (Homing killed before it could
 * stop it) would share the file with the new one: stop it first.
 */
async function stopOrphans(dbFile: string, log: Logger): Promise<void> {
  const orphans = findProcesses((argv) => argv.includes('start-dev') && argv.some((a, i) => a === dbFile && argv[i - 1] === '--db-filename'));
  for (const pid of orphans) {
    log.warn({ child: 'temporal', pid }, 'stopped an orphan of this data dir');
    await stopPid(pid, 'SIGTERM');
  }
}

/** Starts the server and resolves once its namespace answers. */
async function devServer(cliPath: string, args: string[], address: string, dbFile: string, opts: DevServerOptions): Promise<RunningChild> {
  const child = spawnChild({ command: cliPath, args, deathSignal: 'SIGTERM' });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  try {
    await waitReady(address, opts.namespace, child, opts.readyTimeoutMs ?? 60_000, () => output);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  // Made by the server with the default mode; workflow payloads are nobody else's business.
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  return { process: child, stop: () => stopChild(child) };
}

/**
 * Runs `temporal server start-dev` with its state in one SQLite file, and
 * restarts it on the same ports if it crashes. WAL and synchronous=normal keep
 * SQLite from fsyncing on every write (see BENCHMARKS.md).
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  const log = opts.log ?? pino({ level: 'silent' });
  const dbFile = path.resolve(opts.dbFile);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  await stopOrphans(dbFile, log);
  return onFreePort(opts.preferredPort ?? 0, async (port) => superviseDevServer(opts, log, dbFile, port, opts.ui === false ? undefined : await freePort(opts.preferredUiPort ?? 0)));
}

async function superviseDevServer(opts: DevServerOptions, log: Logger, dbFile: string, port: number, uiPort: number | undefined): Promise<DevServerHandle> {
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', dbFile,
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
  ];
  const address = `127.0.0.1:${port}`;
  const server = await supervise({ name: 'temporal', log, start: () => devServer(opts.cliPath, args, address, dbFile, opts) });
  return {
    address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    get process() {
      return server.current;
    },
    stop: server.stop,
  };
}
