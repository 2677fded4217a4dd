import { GroupCommit } from '../../src/ingest/group-commit';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback (and the commit's re-drain) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A write function whose calls stay in flight until the test finishes them. */
function controlledWrite() {
  const calls: Array<{ items: number[]; done: Deferred<string[]> }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = (items: number[]): Promise<string[]> => {
    const done = deferred<string[]>();
    calls.push({ items: [...items], done });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return done.promise.finally(() => inFlight--);
  };
  const call = (i: number) => {
    const c = calls[i];
    if (!c) throw new Error(`write call ${i} did not happen (only ${calls.length})`);
    return c;
  };
  /** Completes call i with one result per item, `r<item>`. */
  const succeed = (i: number) => call(i).done.resolve(call(i).items.map((n) => `r${n}`));
  const fail = (i: number, err: unknown) => call(i).done.reject(err);
  return { write, calls, call, succeed, fail, maxInFlight: () => maxInFlight };
}

describe('GroupCommit', () => {
  test('each submitter gets the results of its own items, in order', async () => {
    const commit = new GroupCommit<number, string>(async (items) => items.map((n) => `r${n}`));
    const [a, b, c] = await Promise.all([commit.submit([1, 2]), commit.submit([3]), commit.submit([4, 5, 6])]);
    expect(a).toEqual(['r1', 'r2']);
    expect(b).toEqual(['r3']);
    expect(c).toEqual(['r4', 'r5', 'r6']);
  });

  test('at low load each submission is written at once, on its own', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 4);
    const a = commit.submit([1]);
    expect(w.calls).toHaveLength(1);
    const b = commit.submit([2, 3]);
    expect(w.calls.map((c) => c.items)).toEqual([[1], [2, 3]]);
    w.succeed(1);
    w.succeed(0);
    await expect(b).resolves.toEqual(['r2', 'r3']);
    await expect(a).resolves.toEqual(['r1']);
  });

  test('when every writer is busy, queued submissions are written together in one call', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 1);
    const first = commit.submit([1]);
    const queued = [commit.submit([2, 3]), commit.submit([4]), commit.submit([5, 6, 7])];
    await settle();
    expect(w.calls).toHaveLength(1);

    w.succeed(0);
    await expect(first).resolves.toEqual(['r1']);
    await settle();
    expect(w.calls).toHaveLength(2);
    expect(w.call(1).items).toEqual([2, 3, 4, 5, 6, 7]);

    w.succeed(1);
    await expect(Promise.all(queued)).resolves.toEqual([['r2', 'r3'], ['r4'], ['r5', 'r6', 'r7']]);
    await settle();
    expect(w.calls).toHaveLength(2);
  });

  test('results are split by position, not by value', async () => {
    // the write answers with each item's position in its call: only order links results to submitters.
    // The first submission is written alone; the two queued behind it share the second call.
    const commit = new GroupCommit<string, number>(async (items) => items.map((_, i) => i), 1);
    const results = await Promise.all([commit.submit(['x', 'x']), commit.submit(['x']), commit.submit(['x', 'x', 'x'])]);
    expect(results).toEqual([[0, 1], [0], [1, 2, 3]]);
  });

  test('never runs more writes at once than it has writers', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 2);
    const all = [1, 2, 3, 4, 5, 6].map((n) => commit.submit([n]));
    await settle();
    expect(w.calls.map((c) => c.items)).toEqual([[1], [2]]);
    w.succeed(0);
    await settle();
    // the four queued submissions form one group as soon as a writer is free
    expect(w.calls.map((c) => c.items)).toEqual([[1], [2], [3, 4, 5, 6]]);
    w.succeed(1);
    w.succeed(2);
    await expect(Promise.all(all)).resolves.toEqual([['r1'], ['r2'], ['r3'], ['r4'], ['r5'], ['r6']]);
    expect(w.maxInFlight()).toBe(2);
  });

  test('a write failing for a reason not to isolate (e.g. the database is down) rejects every submitter of that group, and only that group', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 1, 1000, () => false);
    const first = commit.submit([1]);
    const groupB = commit.submit([2]);
    const groupC = commit.submit([3, 4]);
    w.succeed(0);
    await expect(first).resolves.toEqual(['r1']);
    await settle();
    expect(w.call(1).items).toEqual([2, 3, 4]);

    // submitted while the failing group is in flight: belongs to the next group
    const later = commit.submit([5]);
    const failure = new Error('connection reset');
    w.fail(1, failure);
    await expect(groupB).rejects.toBe(failure);
    await expect(groupC).rejects.toBe(failure);

    await settle();
    expect(w.call(2).items).toEqual([5]);
    w.succeed(2);
    await expect(later).resolves.toEqual(['r5']);

    // and the commit keeps working afterwards
    const after = commit.submit([6]);
    await settle();
    w.succeed(3);
    await expect(after).resolves.toEqual(['r6']);
  });

  test('a write that throws synchronously rejects its group instead of crashing', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>((items) => {
      calls++;
      if (items.includes(13)) throw new Error('unlucky');
      return Promise.resolve(items);
    }, 1);
    await expect(commit.submit([13])).rejects.toThrow('unlucky');
    await expect(commit.submit([7])).resolves.toEqual([7]);
    expect(calls).toBe(2);
  });

  test('maxItems caps the items of one write; queued submissions are never split', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 1, 3);
    const first = commit.submit([1]);
    const b = commit.submit([2, 3]);
    const c = commit.submit([4, 5]);
    const d = commit.submit([6]);
    w.succeed(0);
    await settle();
    // [2,3] + [4,5] would be 4 items > 3
    expect(w.call(1).items).toEqual([2, 3]);
    w.succeed(1);
    await settle();
    expect(w.call(2).items).toEqual([4, 5, 6]);
    w.succeed(2);
    await expect(Promise.all([first, b, c, d])).resolves.toEqual([['r1'], ['r2', 'r3'], ['r4', 'r5'], ['r6']]);
    for (const call of w.calls) expect(call.items.length).toBeLessThanOrEqual(3);
  });

  test('a single submission larger than maxItems is still written, alone', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit<number, string>(w.write, 1, 3);
    const first = commit.submit([0]);
    const big = commit.submit([1, 2, 3, 4, 5]);
    const small = commit.submit([6]);
    w.succeed(0);
    await settle();
    expect(w.call(1).items).toEqual([1, 2, 3, 4, 5]);
    w.succeed(1);
    await settle();
    expect(w.call(2).items).toEqual([6]);
    w.succeed(2);
    await expect(Promise.all([first, big, small])).resolves.toEqual([['r0'], ['r1', 'r2', 'r3', 'r4', 'r5'], ['r6']]);
  });

  test('submissions are written in arrival order', async () => {
    const order: number[] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      order.push(...items);
      await new Promise((r) => setTimeout(r, 1));
      return items;
    }, 1, 4);
    await Promise.all(Array.from({ length: 20 }, (_, i) => commit.submit([i])));
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a failed group is retried one submission at a time, so only the offending submission fails', async () => {
    const writes: number[][] = [];
    const poison = new Error('unsupported Unicode escape sequence');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, string>(async (items) => {
      writes.push([...items]);
      if (items[0] === 0) await gate;
      if (items.includes(13)) throw poison;
      return items.map((n) => `r${n}`);
    }, 1, 1000, (err) => err === poison);
    const first = commit.submit([0]);
    // queued behind the first write, so written as one group
    const good1 = commit.submit([1, 2]);
    const bad = commit.submit([12, 13]);
    const good2 = commit.submit([3]);
    release();
    const [a, b, c, d] = await Promise.allSettled([first, good1, bad, good2]);
    expect(a).toEqual({ status: 'fulfilled', value: ['r0'] });
    expect(b).toEqual({ status: 'fulfilled', value: ['r1', 'r2'] });
    expect(c).toEqual({ status: 'rejected', reason: poison });
    expect(d).toEqual({ status: 'fulfilled', value: ['r3'] });
    expect(writes).toEqual([[0], [1, 2, 12, 13, 3], [1, 2], [12, 13], [3]]);
  });

  test('a failed write of a single submission is not retried', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async () => {
      calls++;
      throw new Error('bad data');
    }, 1, 1000, () => true);
    await expect(commit.submit([1, 2])).rejects.toThrow('bad data');
    expect(calls).toBe(1);
  });

  test('by default a failed group is isolated too', async () => {
    const commit = new GroupCommit<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    }, 1);
    const results = await Promise.allSettled([commit.submit([1]), commit.submit([2]), commit.submit([13]), commit.submit([4])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });
});
