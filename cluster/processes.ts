import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../src/embedded/processes';

/** Polls `done` every 50 ms until it holds or `timeoutMs` passes. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A child in a process group of its own, so that stopping it stops everything
 * it started; killed by the kernel if the test process dies first (setpriv).
 */
export class GroupProcess {
  /** The last 20 KB of its stdout and stderr, for failure messages. */
  output = '';
  readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: { env: NodeJS.ProcessEnv; cwd: string },
  ) {
    this.child = spawnChild({ command, args, deathSignal: 'SIGKILL', ...opts });
    const collect = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000));
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    // Spawn failures (ENOENT) show up as an exit: the waits below report them with the output.
    this.child.once('error', (err) => collect(Buffer.from(`\nspawn error: ${err.message}\n`)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `text` appears in its output, failing (with the output) if it exits first. */
  async waitFor(text: string, timeoutMs = 120_000): Promise<void> {
    await until(() => this.output.includes(text) || !this.running, timeoutMs, `${this.name}: "${text}"`);
    if (!this.output.includes(text)) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before "${text}":\n${this.output.slice(-4000)}`);
  }

  /** Resolves with the exit code; fails if it runs longer than `timeoutMs`. */
  async exitCode(timeoutMs = 120_000): Promise<number | null> {
    await until(() => !this.running, timeoutMs, `${this.name} to exit`);
    return this.child.exitCode;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // the group is gone already
    }
  }

  /** SIGKILL to the whole group, as a crash would. */
  async kill(): Promise<void> {
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL to the group after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.pid === undefined) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the leader left behind in its group goes too.
    this.signalGroup('SIGKILL');
  }
}

/** Runs a command to completion in its own group; fails with its output unless it exits 0. */
export async function runToEnd(name: string, command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }, timeoutMs = 120_000): Promise<string> {
  const proc = new GroupProcess(name, command, args, opts);
  try {
    const code = await proc.exitCode(timeoutMs);
    if (code !== 0) throw new Error(`${name} exited ${code ?? proc.child.signalCode}:\n${proc.output.slice(-4000)}`);
    return proc.output;
  } finally {
    if (proc.running) await proc.kill();
  }
}
