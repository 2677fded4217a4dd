/** The bench's forked helper processes (load generator, bare server). */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import type { AutomationLoadResult, AutomationLoadSpec, ClosedLoopResult, ClosedLoopSpec, LoadReply, OpenLoopResult, OpenLoopSpec } from './protocol';

/** The forked load generator, one request at a time. */
export class LoadGenerator {
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: LoadReply) => void>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w({ id: -1, error: `load generator exited with code ${code}` });
      this.waiting.clear();
    });
  }
  run(spec: ClosedLoopSpec): Promise<ClosedLoopResult>;
  run(spec: OpenLoopSpec): Promise<OpenLoopResult>;
  run(spec: AutomationLoadSpec): Promise<AutomationLoadResult>;
  run(spec: ClosedLoopSpec | OpenLoopSpec | AutomationLoadSpec): Promise<ClosedLoopResult | OpenLoopResult | AutomationLoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error !== undefined ? reject(new Error(reply.error)) : resolve(reply.result!)));
      this.child.send({ id, spec });
    });
  }
}

export function forkChild(file: string): ChildProcess {
  // The bench's own flags (e.g. --inspect) must not be passed on.
  return fork(path.join(__dirname, file), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
