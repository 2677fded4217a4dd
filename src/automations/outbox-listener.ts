import { Client } from 'pg';
import type { Logger } from '../logger';
import { metrics } from '../metrics';

/** Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with jitter. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };

/** While Postgres stays away, one warning per this many failed attempts (the first one always). */
const LOG_EVERY_FAILURES = 20;
/** TCP keepalive probes after this idle time: a connection lost without a reset (failover, NAT) is noticed in seconds, not the OS's 2 h. */
const KEEPALIVE_MS = 10_000;
/** A client that will not say goodbye is not waited for longer than this. */
const END_TIMEOUT_MS = 2_000;

/**
 * The wait before the attempt after `failures` failed ones: a random time in
 * the upper half of the capped exponential, so many Homing processes cut off
 * together do not reconnect in lockstep, and none spins.
 */
export function reconnectDelay(backoff: Backoff, failures: number, random: () => number = Math.random): number {
  const cap = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures, 30));
  return cap / 2 + (random() * cap) / 2;
}

export interface OutboxListenerDeps {
  databaseUrl: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** Called after each reconnect: notifications sent while disconnected are lost, so look for the work instead. */
  onReconnect(): void;
  log: Logger;
  backoff?: Backoff;
}

const sleepUnlessWoken = (ms: number, wake: (fn: () => void) => void) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * LISTENs on a dedicated connection (a pooled one would be handed out to
 * queries). One loop owns it: connect, LISTEN, wait until the connection ends,
 * close it for certain, wait with backoff, again. So an outage costs one
 * connection attempt at a time and a bounded number of log lines, and exactly
 * one LISTEN session exists after it.
 */
export class OutboxListener {
  private stopped = false;
  private client?: Client;
  private loop?: Promise<void>;
  private wakeSleep?: () => void;

  constructor(private readonly deps: OutboxListenerDeps) {}

  /** Resolves once the first attempt ended: listening, or retrying in the background. */
  start(): Promise<void> {
    return new Promise((firstAttemptDone) => {
      this.loop = this.run(firstAttemptDone);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    if (this.client) await this.end(this.client);
    await this.loop;
  }

  private async run(firstAttemptDone: () => void): Promise<void> {
    const { log } = this.deps;
    let failures = 0;
    let listenedBefore = false;
    while (!this.stopped) {
      const client = new Client({ connectionString: this.deps.databaseUrl, connectionTimeoutMillis: 10_000, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_MS });
      this.client = client;
      // 'error' and 'end' both mean this connection is over; the loop decides what comes next.
      const over = new Promise<unknown>((resolve) => {
        client.on('error', resolve);
        client.on('end', () => resolve(undefined));
      });
      client.on('notification', (msg) => this.deps.onNotification(msg.channel, msg.payload ?? ''));
      try {
        // pg never settles connect() for a client ended while connecting (as stop() may do): the end settles it here.
        const connecting = client.connect();
        connecting.catch(() => undefined);
        await Promise.race([connecting, over.then((err) => Promise.reject(err ?? new Error('connection closed while connecting')))]);
        await client.query(this.deps.channels.map((c) => `LISTEN ${c}`).join('; '));
        if (failures > 0) log.info({ failedAttempts: failures }, 'outbox listener reconnected');
        // Notifications sent while no listener was connected are lost: after an outage (or a first connect that took retries) look for the work.
        if (listenedBefore || failures > 0) this.deps.onReconnect();
        failures = 0;
        listenedBefore = true;
        firstAttemptDone();
        metrics.listenerConnected.set(1);
        const err = await over;
        metrics.listenerConnected.set(0);
        if (!this.stopped) log.warn({ err }, 'outbox listener disconnected; reconnecting');
      } catch (err) {
        if (failures % LOG_EVERY_FAILURES === 0 && !this.stopped) log.warn({ err, failedAttempts: failures + 1 }, 'outbox listener cannot reach Postgres; retrying with backoff');
        failures++;
        firstAttemptDone();
      } finally {
        // Always: a client left half-open keeps its socket (and maybe a LISTEN session) for good.
        await this.end(client);
      }
      if (!this.stopped) await sleepUnlessWoken(reconnectDelay(this.deps.backoff ?? DEFAULT_RECONNECT_BACKOFF, failures), (wake) => (this.wakeSleep = wake));
    }
  }

  private async end(client: Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, END_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}
