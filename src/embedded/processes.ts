import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildSpec {
  command: string;
  args: string[];
  /** Sent to the child by the kernel if Homing dies without stopping it (even on kill -9). */
  deathSignal: NodeJS.Signals;
  uid?: number;
  gid?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// util-linux's setpriv sets the parent-death signal and then execs the child, so the pid stays the child's own.
const setpriv = process.platform === 'linux' ? onPath('setpriv') : undefined;

/**
 * Starts a child in a process group of its own, so a Ctrl-C at the terminal
 * reaches Homing only and Homing stops the children in order. Where setpriv
 * exists, the kernel signals the child when Homing dies; elsewhere the next
 * start stops what is left (see the orphan checks of each child).
 */
export function spawnChild(spec: ChildSpec): ChildProcess {
  const [command, args] = setpriv
    ? [setpriv, ['--pdeathsig', spec.deathSignal.replace(/^SIG/, ''), '--', spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], uid: spec.uid, gid: spec.gid, cwd: spec.cwd, env: spec.env });
  // A last resort for a Homing that exits without stopping it (no setpriv).
  const killOnExit = () => child.kill(spec.deathSignal);
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Stops a child with `signal`, then SIGKILL if it has not exited in time. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The argv of a process, from /proc (undefined where there is no /proc or no such process). */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Pids of the processes whose argv `match`es (Linux: none elsewhere). */
export function findProcesses(match: (argv: string[]) => boolean): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && match(commandLine(pid) ?? []));
}

/** Stops a process that is not our child (so no exit event): `signal`, a wait, then SIGKILL. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  const poll = async (untilMs: number) => {
    while (isAlive(pid) && Date.now() < untilMs) await new Promise((r) => setTimeout(r, 100));
  };
  try {
    process.kill(pid, signal);
    await poll(Date.now() + graceMs);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await poll(Date.now() + 5_000);
  } catch {
    // already gone
  }
}
