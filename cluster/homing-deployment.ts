import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../src/embedded/ports';
import { packageRoot } from '../src/version';
import { GroupProcess, runToEnd } from './processes';

/** The compiled CLI (`npm run build`), as the images run it. */
const CLI = path.join(packageRoot(), 'dist', 'src', 'cli.js');

export const API_KEY = 'cluster-api-key';
export const ADMIN_TOKEN = 'cluster-admin-token';
export const TWILIO_FROM = '+15550000000';

export interface DeploymentOptions {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  /** Twilio's wire format to this sink; without it, SMS go to Homing's mailbox provider. */
  twilio?: { url: string; accountSid: string; authToken: string };
  /** Settings every process gets on top of compose's (e.g. a probe preloaded by the bench). */
  env?: Record<string, string>;
}

/** Homing as compose runs it: `migrate` once, then one `api` and `workers` × `worker`, each its own process. */
export class HomingDeployment {
  readonly processes: GroupProcess[] = [];
  api!: GroupProcess;
  workers: GroupProcess[] = [];
  url = '';

  constructor(private readonly opts: DeploymentOptions) {}

  /** The environment compose's `x-homing` block gives every Homing container. */
  env(name: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const dataDir = path.join(this.opts.dir, `homing-${name}`);
    fs.mkdirSync(dataDir, { recursive: true });
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: this.opts.databaseUrl,
      TEMPORAL_ADDRESS: this.opts.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'homing',
      HOMING_API_KEY: API_KEY,
      HOMING_ADMIN_TOKEN: ADMIN_TOKEN,
      TRACKING_SECRET: 'cluster-tracking-secret',
      HOMING_DATA_DIR: dataDir,
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: this.opts.smtpUrl,
      EMAIL_FROM: 'Homing <noreply@localhost>',
      ...(this.opts.twilio
        ? { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: this.opts.twilio.accountSid, TWILIO_AUTH_TOKEN: this.opts.twilio.authToken, TWILIO_FROM, TWILIO_API_URL: this.opts.twilio.url }
        : { SMS_PROVIDER: 'mailbox' }),
      LOG_LEVEL: 'info',
      ...this.opts.env,
      ...extra,
    };
  }

  /** A CLI command run to its end, e.g. `migrate` or `replay`; its output. */
  run(args: string[], extra: Record<string, string> = {}): Promise<string> {
    return runToEnd(`homing ${args[0]}`, process.execPath, [CLI, ...args], { env: this.env(args[0]!, extra), cwd: this.opts.dir }, 180_000);
  }

  private spawn(name: string, command: 'api' | 'worker' | 'start', extra: Record<string, string> = {}): GroupProcess {
    // cwd is the temp dir: the CLI reads a .env in its working directory, and the repository's must not leak in.
    const proc = new GroupProcess(name, process.execPath, [CLI, command], { env: this.env(name, extra), cwd: this.opts.dir });
    this.processes.push(proc);
    return proc;
  }

  async start(workers: number): Promise<void> {
    await this.run(['migrate']);
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.api = this.spawn('api', 'api', { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: this.url });
    for (let i = 1; i <= workers; i++) this.workers.push(this.spawn(`worker-${i}`, 'worker', { PUBLIC_URL: this.url }));
    await Promise.all([this.api.waitFor('API listening'), ...this.workers.map((w) => w.waitFor('worker running'))]);
  }

  /** `homing start` instead: the API and the worker in one process, on the same external Postgres and Temporal. */
  async startAllInOne(): Promise<void> {
    await this.run(['migrate']);
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.api = this.spawn('start', 'start', { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: this.url });
    await this.api.waitFor('Homing is running.');
  }

  /** A management API call with the admin token. */
  async admin(route: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}/api/${route}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: await res.json() };
  }

  /** Segment's batch call, as the README's walk-through makes it. */
  async batch(events: unknown[]): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: events }),
    });
    return { status: res.status, body: await res.json() };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
