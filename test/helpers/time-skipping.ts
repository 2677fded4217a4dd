import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { RunControl } from '../../src/automations/runs';
import type { Logger } from '../../src/logger';
import { activityDeps } from '../../src/services';
import { installTemporalLogging } from '../../src/temporal/runtime';
import { searchKeys } from '../../src/temporal/search-attributes';
import { createWorker } from '../../src/temporal/worker';
import { messageIdFor } from '../../src/messaging/send';
import type { SendRequest } from '../../workflows/types';
import { workflowIdPrefix } from '../../src/automations/dispatcher';
import { runIdFor } from '../../src/automations/triggers';
import { applyShardBatch } from '../../src/ingest/apply';
import { shardOf } from '../../src/ingest/shards';
import { API_KEY, basic, post, startHoming, type TestHoming } from './homing';
import { temporalTestServer } from './servers';

const EventType = temporal.api.enums.v1.EventType;

/**
 * The time-skipping test server on the provisioned binary, with Homing's run
 * search attributes registered (the server rejects starts that carry unknown
 * ones, and has no ListSearchAttributes, so ensureSearchAttributes cannot be used).
 */
export async function startTimeSkipping(log: Logger): Promise<TestWorkflowEnvironment> {
  // Before the environment makes the SDK runtime: keeps the SDK's info chatter out of the test output.
  installTemporalLogging(log);
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServer() } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(Object.values(searchKeys).map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return env;
}

/** Run control on the time-skipping server, for what the worker's shard drains would do: start runs, deliver engagement. */
export const timeSkippingRuns = (env: TestWorkflowEnvironment, homing: TestHoming, log: Logger) =>
  new RunControl({ pool: homing.pool, temporal: env.client, taskQueue: homing.config.temporal.taskQueue, log });

/**
 * A worker like src/services.ts startWorker makes (the real activities, the
 * configured providers, the prebuilt bundle), but on the time-skipping server.
 */
export async function startTimeSkippingWorker(env: TestWorkflowEnvironment, homing: TestHoming, log: Logger): Promise<{ stop(): Promise<void> }> {
  const { config, pool } = homing;
  const activities = activityDeps(config, pool, timeSkippingRuns(env, homing, log));
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    automationFiles: [],
    workflowBundlePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE,
    activities,
    maxCachedWorkflows: config.workflowCacheSize,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await activities.providers.close();
    },
  };
}

/** A run as its history tells it, in the server's (skipped) time, relative to the run's start. */
export interface RunTimeline {
  elapsedMs: number;
  /** Each timer the workflow started: its duration, and whether it fired (or was canceled by an engagement). */
  timers: Array<{ ms: number; fired: boolean }>;
  /** When each send was scheduled, by channel. */
  sends: Array<{ channel: SendRequest['channel']; atMs: number }>;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The channel of a send in a run's history: a scheduled activity's input, or a local activity's marker (its result names the message). */
function sentChannel(e: HistoryEvent, runId: string): SendRequest['channel'] | undefined {
  if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
    const a = e.activityTaskScheduledEventAttributes!;
    return a.activityType!.name === 'sendMessage' ? defaultPayloadConverter.fromPayload<SendRequest>(a.input!.payloads![0]!).channel : undefined;
  }
  if (e.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED) return undefined;
  const details = e.markerRecordedEventAttributes!.details ?? {};
  const data = details.data?.payloads?.[0];
  if (!data || defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type !== 'sendMessage') return undefined;
  const result = details.result?.payloads?.[0];
  const messageId = result ? defaultPayloadConverter.fromPayload<{ messageId?: string }>(result).messageId : undefined;
  // email-then-sms names its steps after their channels.
  return (['email', 'sms'] as const).find((step) => messageIdFor(runId, step) === messageId);
}

export async function runTimeline(handle: WorkflowHandle): Promise<RunTimeline> {
  const events = (await handle.fetchHistory()).events ?? [];
  const at = (e: HistoryEvent) => tsToMs(e.eventTime) - tsToMs(events[0]?.eventTime);
  const fired = new Set(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED).map((e) => e.timerFiredEventAttributes!.timerId));
  return {
    elapsedMs: at(events[events.length - 1]!),
    timers: events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED)
      .map((e) => ({ ms: tsToMs(e.timerStartedEventAttributes!.startToFireTimeout), fired: fired.has(e.timerStartedEventAttributes!.timerId) })),
    sends: events.flatMap((e) => {
      const channel = sentChannel(e, handle.workflowId);
      return channel ? [{ channel, atMs: at(e) }] : [];
    }),
  };
}

/** A Homing API on the time-skipping server (no worker yet: publish what the test needs, then `startWorker`). */
export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  homing: TestHoming;
  runs: RunControl;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTimeSkippingStack(log: Logger): Promise<TimeSkippingStack> {
  const env = await startTimeSkipping(log);
  const homing = await startHoming({ worker: false, temporalAddress: env.address });
  let worker: { stop(): Promise<void> } | undefined;
  return {
    env,
    homing,
    runs: timeSkippingRuns(env, homing, log),
    async startWorker() {
      worker = await startTimeSkippingWorker(env, homing, log);
    },
    async stop() {
      await worker?.stop();
      await homing.stop();
      await env.teardown();
    },
  };
}

/**
 * Ingests the events, then does what the user's shard drain does (no worker
 * drains on this server): applies them, which records the run of `mappingId`
 * for the track `messageId`, and starts that run.
 */
export async function startRun(stack: TimeSkippingStack, userId: string, events: Array<Record<string, unknown>>, mappingId: string, messageId: string): Promise<WorkflowHandle> {
  const { homing, runs, env } = stack;
  const ingested = await post(`${homing.url}/segment`, JSON.stringify(events), { authorization: basic(API_KEY) });
  if (ingested.status !== 200) throw new Error(`ingest: ${JSON.stringify(ingested.body)}`);
  const prefix = workflowIdPrefix(homing.config.temporal.taskQueue);
  const batch = await applyShardBatch(homing.pool, shardOf(userId), { workflowIdPrefix: prefix });
  const runId = runIdFor(prefix, mappingId, messageId);
  if (!batch.runs.start.includes(runId)) throw new Error(`the events recorded no run ${runId} (started: ${batch.runs.start.join(', ')})`);
  await runs.start(runId);
  return env.client.workflow.getHandle(runId);
}
