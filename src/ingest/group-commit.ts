interface Pending<T, R> {
  items: T[];
  resolve: (results: R[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: requests that arrive while every writer is busy are written
 * together in the next transaction. At low load each request is written at
 * once; under load, one commit serves many requests, which is what lets
 * single-event ingest outrun the database's per-commit cost.
 */
export class GroupCommit<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private running = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly writers = 4,
    private readonly maxItems = 1000,
    /**
     * Whether a failed group is retried one submission at a time. Yes for an
     * error caused by the data (one bad request must not fail its neighbours),
     * no when retrying cannot help, e.g. while the database is unreachable.
     */
    private readonly isolate: (err: unknown) => boolean = () => true,
  ) {}

  submit(items: T[]): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.writers && this.queue.length > 0) {
      const group: Array<Pending<T, R>> = [];
      let size = 0;
      while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0]!.items.length <= this.maxItems)) {
        const next = this.queue.shift()!;
        group.push(next);
        size += next.items.length;
      }
      this.running++;
      void this.flush(group).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async flush(group: Array<Pending<T, R>>): Promise<void> {
    try {
      const results = await this.write(group.flatMap((p) => p.items));
      let offset = 0;
      for (const p of group) {
        p.resolve(results.slice(offset, offset + p.items.length));
        offset += p.items.length;
      }
    } catch (err) {
      if (group.length === 1 || !this.isolate(err)) {
        for (const p of group) p.reject(err);
        return;
      }
      // One at a time in arrival order: order holds within the failed group (other writers' groups may commit meanwhile).
      for (const p of group) await this.flush([p]);
    }
  }
}
