/** A helper process of the bench (forked from dist/bench), asked one request at a time by id. */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';

export class Forked<Req extends { id: number }, Rep extends { id: number }> {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: Rep) => void; reject: (err: Error) => void }>();

  /** `ready`: the first message the child sends once it is up (e.g. its port). */
  private constructor(
    private readonly child: ChildProcess,
    readonly ready: unknown,
  ) {
    child.on('message', (reply: Rep) => {
      this.waiting.get(reply.id)?.resolve(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${path.basename(child.spawnfile)} exited with code ${code}`));
      this.waiting.clear();
    });
  }

  static async start<Req extends { id: number }, Rep extends { id: number }>(file: string, waitReady: boolean): Promise<Forked<Req, Rep>> {
    // The bench's own flags (e.g. --inspect) must not be passed on; 'advanced' keeps NaN (not sent) apart from 0.
    const child = fork(path.join(__dirname, file), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const ready = waitReady
      ? await new Promise<unknown>((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', (code) => reject(new Error(`${file} exited with code ${code}`)));
        })
      : undefined;
    return new Forked<Req, Rep>(child, ready);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  ask(request: Omit<Req, 'id'>): Promise<Rep> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('the helper process is gone'));
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}
