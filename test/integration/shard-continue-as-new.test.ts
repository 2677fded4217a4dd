import crypto from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { eventually, startHoming, type TestHoming } from '../helpers/homing';
import { wakeSignal } from '../../workflows/profile-shard';

/**
 * The long-lived workflows (profile shards, the outcome exporter) continue as
 * new by what their history costs to replay on a takeover (bytes, and a low
 * event cap), not after thousands of events. Limits small enough to reach here
 * are passed as workflow input; production uses the defaults.
 */
let homing: TestHoming;
let temporal: Client;

beforeAll(async () => {
  homing = await startHoming();
  temporal = new Client({ connection: await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! }) });
}, 120_000);
afterAll(async () => {
  await homing?.stop();
  await temporal?.connection.close();
});

/** Wakes the workflow (its latest run) until its first run has continued as new; answers that run's history length. */
async function wakeUntilContinued(started: Started): Promise<number> {
  const first = temporal.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
  const latest = temporal.workflow.getHandle(started.workflowId);
  await eventually(
    async () => {
      if ((await first.describe()).status.name === 'CONTINUED_AS_NEW') return true;
      await latest.signal(wakeSignal);
      await new Promise((r) => setTimeout(r, 200));
      return false;
    },
    45_000,
    `${first.workflowId} to continue as new`,
  );
  return (await first.describe()).historyLength;
}

type Started = WorkflowHandle & { firstExecutionRunId: string };

async function start(workflowType: 'profileShard' | 'outcomeExport', args: unknown[]): Promise<Started> {
  return temporal.workflow.start(workflowType, { workflowId: `cas-test-${workflowType}-${crypto.randomBytes(4).toString('hex')}`, taskQueue: homing.config.temporal.taskQueue, args });
}

/** The continued run's history (patch marker, continue-as-new) replays against the workflows as they are. */
async function expectReplays(first: Started) {
  const history = await temporal.workflow.getHandle(first.workflowId, first.firstExecutionRunId).fetchHistory();
  expect(history.events!.some((e) => e.markerRecordedEventAttributes)).toBe(true);
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE! } }, history, first.workflowId);
}

async function expectRunningAgain(first: Started) {
  const next = await temporal.workflow.getHandle(first.workflowId).describe();
  expect(next.runId).not.toBe(first.firstExecutionRunId);
  expect(next.status.name).toBe('RUNNING');
  await temporal.workflow.getHandle(first.workflowId).terminate('test done');
}

it.each([
  ['a profile shard', 'profileShard', { shard: 9_001, idlePoll: '100 ms', maxHistoryEvents: 30 }],
  ['the outcome exporter', 'outcomeExport', { maxHistoryEvents: 30 }],
] as const)('%s continues as new once its history passes the event cap', async (_what, workflowType, input) => {
  const first = await start(workflowType, [input]);
  const length = await wakeUntilContinued(first);
  // Continued soon after the cap (the check runs between drains; wake signals add events meanwhile), far below the old 5,000.
  expect(length).toBeGreaterThanOrEqual(30);
  expect(length).toBeLessThan(100);
  await expectReplays(first);
  await expectRunningAgain(first);
}, 60_000);

it('a profile shard continues as new once its history passes the byte limit', async () => {
  const first = await start('profileShard', [{ shard: 9_002, idlePoll: '100 ms', maxHistoryBytes: 6_000 }]);
  const length = await wakeUntilContinued(first);
  // ~100 bytes an event here: well past the default event cap would be a miss.
  expect(length).toBeLessThan(150);
  await expectRunningAgain(first);
}, 60_000);

