import { ShardWakeups } from '../../src/ingest/shard-wakeups';

const never = new AbortController().signal;

describe('ShardWakeups', () => {
  it('does not take notifications for a shard with no drain running here', () => {
    const w = new ShardWakeups();
    expect(w.deliver(3)).toBe(false);
  });

  it('wakes a waiting drain at once', async () => {
    const w = new ShardWakeups();
    await w.hold(1, async () => {
      // true means woken: a timeout resolves false.
      const waiting = w.waitForWork(1, 5_000, never);
      expect(w.deliver(1)).toBe(true);
      expect(await waiting).toBe(true);
    });
  });

  it('keeps a notification that arrives while the drain is busy for its next wait', async () => {
    const w = new ShardWakeups();
    await w.hold(1, async () => {
      expect(w.deliver(1)).toBe(true);
      expect(await w.waitForWork(1, 5_000, never)).toBe(true);
      // Consumed: the next wait times out.
      expect(await w.waitForWork(1, 20, never)).toBe(false);
    });
  });

  it('a notification for another shard does not wake this one', async () => {
    const w = new ShardWakeups();
    await w.hold(1, async () => {
      expect(w.deliver(2)).toBe(false);
      expect(await w.waitForWork(1, 20, never)).toBe(false);
    });
  });

  it('turns a notification the drain did not act on into onMissed, so it becomes a signal', async () => {
    const w = new ShardWakeups();
    const missed: number[] = [];
    w.onMissed = (shard) => missed.push(shard);
    await w.hold(4, async () => {
      expect(await w.waitForWork(4, 10, never)).toBe(false);
      // After the drain's last look, before it returns.
      w.deliver(4);
    });
    expect(missed).toEqual([4]);
    await w.hold(4, async () => undefined);
    expect(missed).toEqual([4]);
  });

  it('stops waiting when aborted (worker shutdown)', async () => {
    const w = new ShardWakeups();
    const abort = new AbortController();
    await w.hold(0, async () => {
      const waiting = w.waitForWork(0, 5_000, abort.signal);
      abort.abort();
      expect(await waiting).toBe(false);
    });
  });

  it('overlapping drains of one shard (a retry beside a slow attempt) keep it held until both end', async () => {
    const w = new ShardWakeups();
    let releaseFirst!: () => void;
    const first = w.hold(5, () => new Promise<void>((r) => (releaseFirst = r)));
    await w.hold(5, async () => undefined);
    expect(w.deliver(5)).toBe(true);
    releaseFirst();
    await first;
    expect(w.deliver(5)).toBe(false);
  });
});
