/**
 * The baseline for the automation part: the Temporal server alone, with a
 * workflow of the same shape as an email-then-sms run (start, one activity,
 * a 24 h wait; bench/bare-temporal-workflows.ts) and nothing of Homing in it,
 * in two shapes: `activity` (a plain client's start, an activity task) and
 * `local` (an eager start from a client on the worker's own connection, a
 * local activity). A process of its own (forked by the bench) with its own
 * worker and clients on a task queue of its own, as Homing's processes would be.
 */
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { runSearchAttributes } from '../src/temporal/search-attributes';

/** The textbook shape, or Homing's: eager start from the worker's connection and a local activity. */
export type BareShape = 'activity' | 'local';

export interface BareTemporalRequest {
  id: number;
  shape: BareShape;
  /** The dev server Homing uses. */
  address: string;
  taskQueue: string;
  prefix: string;
  runs: number;
  /** Starts per second, open loop; 0: `concurrency` start calls in flight at a time. */
  rate: number;
  concurrency: number;
  timeoutMs: number;
}

export interface BareTemporalReply {
  id: number;
  error?: string;
  /** Wall-clock ms when run n's start call was made, and when its activity ran (NaN: did not). */
  startedAt?: number[];
  activityAt?: number[];
  /** Duration of each start call. */
  startCallMs?: number[];
  /** Starts the server handed straight to this worker (`eagerlyStarted`). */
  eager?: number;
}

const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Setup {
  clients: Record<BareShape, Client>;
  activityAt: Map<string, number[]>;
}
let worker: Promise<Setup> | undefined;

/** One worker and its clients for the process's life; activities note their time per prefix. */
function setup(address: string, taskQueue: string) {
  worker ??= (async () => {
    Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } } });
    const activityAt = new Map<string, number[]>();
    const native = await NativeConnection.connect({ address });
    const w = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: require.resolve('./bare-temporal-workflows'),
      activities: {
        async touch(prefix: string, n: number): Promise<void> {
          const times = activityAt.get(prefix);
          if (times) times[n] = wallNow();
        },
      },
    });
    void w.run();
    // Eager start needs the client on the worker's own connection: the server hands the first task back with the start.
    return { clients: { activity: new Client({ connection: await Connection.connect({ address }) }), local: new Client({ connection: native }) }, activityAt };
  })();
  return worker;
}

async function run(req: BareTemporalRequest): Promise<BareTemporalReply> {
  const { clients, activityAt } = await setup(req.address, req.taskQueue);
  const client = clients[req.shape];
  let eager = 0;
  const acts = new Array<number>(req.runs).fill(NaN);
  activityAt.set(req.prefix, acts);
  const startedAt = new Array<number>(req.runs).fill(NaN);
  const startCallMs = new Array<number>(req.runs).fill(NaN);
  const start = async (n: number) => {
    startedAt[n] = wallNow();
    const handle = await client.workflow.start(req.shape === 'local' ? 'bareRunLocal' : 'bareRun', {
      workflowId: `${req.prefix}-${n}`,
      requestEagerStart: req.shape === 'local',
      taskQueue: req.taskQueue,
      args: [req.prefix, n],
      typedSearchAttributes: runSearchAttributes({ userId: `bare-user-${n}`, mapping: 'bare', automation: 'email-then-sms' }),
    });
    startCallMs[n] = wallNow() - startedAt[n]!;
    if (handle.eagerlyStarted) eager++;
  };
  if (req.rate > 0) {
    const t0 = wallNow() + 20;
    const calls: Array<Promise<void>> = [];
    for (let n = 0; n < req.runs; n++) {
      const wait = t0 + (n * 1000) / req.rate - wallNow();
      if (wait > 0) await sleep(wait);
      calls.push(start(n));
    }
    await Promise.all(calls);
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: req.concurrency }, async () => {
      while (next < req.runs) await start(next++);
    }));
  }
  const until = Date.now() + req.timeoutMs;
  while (acts.some((t) => Number.isNaN(t)) && Date.now() < until) await sleep(100);
  return { id: req.id, startedAt, activityAt: acts, startCallMs, eager };
}

process.on('message', (req: BareTemporalRequest) => {
  run(req).then(
    (reply) => process.send!(reply satisfies BareTemporalReply),
    (err: unknown) => process.send!({ id: req.id, error: String((err as Error)?.stack ?? err) } satisfies BareTemporalReply),
  );
});
process.on('disconnect', () => process.exit(0));
