import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../logger';
import { metrics } from '../metrics';

/** A started, ready child and how to stop it in an orderly way. */
export interface RunningChild {
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** In log lines: `{"child": name}`. */
  name: string;
  /** Starts the child and resolves once it is ready; rejects if it cannot. */
  start(): Promise<RunningChild>;
  log: Logger;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export interface Supervised {
  /** The child started last (it may have exited, and be about to be restarted). */
  readonly current: ChildProcess;
  stop(): Promise<void>;
}

/** A child that ran this long without crashing is healthy again: the next crash restarts it after the first delay. */
const STABLE_MS = 60_000;

/**
 * Starts a child and restarts it whenever it exits on its own, after a delay
 * that doubles on each failed attempt (capped), logging each crash and restart.
 * The first start is not retried: its error goes to the caller.
 */
export async function supervise(opts: SupervisorOptions): Promise<Supervised> {
  const { name, log } = opts;
  const firstDelayMs = opts.firstDelayMs ?? 1_000;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  let running: RunningChild | undefined;
  let latest!: ChildProcess;
  let stopping = false;
  let delayMs = firstDelayMs;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;

  const watch = (child: RunningChild) => {
    running = child;
    latest = child.process;
    const startedAt = Date.now();
    child.process.once('exit', (code, signal) => {
      if (stopping || running !== child) return;
      running = undefined;
      if (Date.now() - startedAt >= STABLE_MS) delayMs = firstDelayMs;
      log.warn({ child: name, code, signal, restartInMs: delayMs }, 'child exited unexpectedly');
      schedule();
    });
  };

  const schedule = () => {
    timer = setTimeout(() => {
      timer = undefined;
      restarting = attempt().finally(() => (restarting = undefined));
    }, delayMs);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  const attempt = async () => {
    try {
      const child = await opts.start();
      if (stopping) return void (await child.stop());
      watch(child);
      metrics.childRestarts.inc({ child: name });
      log.info({ child: name, pid: child.process.pid }, 'child restarted');
    } catch (err) {
      if (stopping) return;
      log.warn({ child: name, err: (err as Error).message, retryInMs: delayMs }, 'child restart failed');
      schedule();
    }
  };

  watch(await opts.start());
  return {
    get current() {
      return latest;
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await restarting;
      await running?.stop();
      running = undefined;
      log.info({ child: name }, 'child stopped');
    },
  };
}
