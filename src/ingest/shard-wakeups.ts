import { metrics } from '../metrics';

/**
 * In-process hand-off of outbox notifications to the shard activities running
 * in this worker, so a shard under steady load is drained without a Temporal
 * round trip per batch. A notification for a shard with no drain running here
 * is not delivered (`deliver` returns false) and the dispatcher wakes the
 * shard's workflow with a signal instead.
 */
export class ShardWakeups {
  private readonly draining = new Map<number, number>();
  private readonly pending = new Set<number>();
  private readonly waiters = new Map<number, () => void>();
  /** Called when a drain ends with a notification it did not act on. */
  onMissed: (shard: number) => void = () => undefined;

  /** True when a drain in this process will see the new work. */
  deliver(shard: number): boolean {
    if (!this.draining.has(shard)) return false;
    this.pending.add(shard);
    this.waiters.get(shard)?.();
    return true;
  }

  /** Runs a drain of `shard`; notifications arriving meanwhile are kept for it. */
  async hold<T>(shard: number, drain: () => Promise<T>): Promise<T> {
    this.draining.set(shard, (this.draining.get(shard) ?? 0) + 1);
    metrics.activeDrains.inc();
    try {
      return await drain();
    } finally {
      metrics.activeDrains.dec();
      const left = (this.draining.get(shard) ?? 1) - 1;
      if (left > 0) this.draining.set(shard, left);
      else this.draining.delete(shard);
      // Synchronous with the decrement: a notification delivered after the drain's
      // last look is not lost, it becomes a signal.
      if (left === 0 && this.pending.delete(shard)) this.onMissed(shard);
    }
  }

  /** Within a drain: resolves true when new work was notified (consuming it), false after `ms` or on abort. */
  waitForWork(shard: number, ms: number, abort: AbortSignal): Promise<boolean> {
    if (this.pending.delete(shard)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
        this.waiters.delete(shard);
        resolve(woken && this.pending.delete(shard));
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      abort.addEventListener('abort', onAbort);
      this.waiters.set(shard, () => done(true));
    });
  }
}
