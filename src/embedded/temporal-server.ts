import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { freePort } from './ports';

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
}

export interface DevServerHandle {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
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

/** Stops a child with SIGTERM, then SIGKILL if it has not exited in time. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `temporal server start-dev` with its state in one SQLite file. WAL and
 * synchronous=normal keep SQLite from fsyncing on every write (see BENCHMARKS.md).
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  const port = await freePort(opts.preferredPort ?? 0);
  const uiPort = opts.ui === false ? undefined : await freePort(opts.preferredUiPort ?? 0);
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', opts.dbFile,
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
  ];
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // If Homing dies without stopping it, the server must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const address = `127.0.0.1:${port}`;
  try {
    await waitReady(address, opts.namespace, child, opts.readyTimeoutMs ?? 60_000, () => output);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    process: child,
    stop: () => stopChild(child),
  };
}
