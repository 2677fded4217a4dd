import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../src/version';
import { eventually } from './homing';

/** The compiled CLI, as `npm start` runs it. */
export const CLI = path.join(packageRoot(), 'dist', 'src', 'cli.js');

/** What a test reads off the start banner. */
export interface Banner {
  url: string;
  apiKey: string;
  adminToken: string;
}

/** A `homing start` child whose stdout and stderr are collected in `output`. */
export class CliProcess {
  output = '';

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
  }

  /** Waits for the banner (failing if the process exits first) and reads it. */
  async banner(): Promise<Banner> {
    await eventually(async () => this.output.includes('Press Ctrl-C to stop.') || this.child.exitCode !== null, 120_000, 'homing start banner');
    if (this.child.exitCode !== null) throw new Error(`homing start exited with code ${this.child.exitCode}:\n${this.output.slice(-3000)}`);
    const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(this.output)?.[1] ?? '';
    return { url: field('Tracking API host \\(Segment libraries\' "host"\\)'), apiKey: field('write key\\)'), adminToken: field('management API\\)') };
  }
}

/** `homing start`; `detached` puts it in a process group of its own, as a shell starts a foreground job. */
export function startCliProcess(env: NodeJS.ProcessEnv, opts: { cliPath?: string; detached?: boolean } = {}): CliProcess {
  return new CliProcess(spawn(process.execPath, [opts.cliPath ?? CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false }));
}
