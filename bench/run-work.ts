/**
 * What Temporal does per run, counted from the histories of a sample of a
 * phase's runs: events, workflow tasks, activity tasks, local activities,
 * timers, signals, and Temporal Cloud's billable actions.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const E = temporal.api.enums.v1.EventType;

/**
 * Temporal Cloud's rule (docs.temporal.io/cloud/actions) as far as a history
 * shows it: a workflow start 1 (client start, signal-with-start, continue-as-new,
 * child), each activity attempt 1, the local activities of one workflow task 1
 * together, each timer 1, each signal 1, each search-attribute upsert 1 (the
 * versioning attribute TemporalChangeVersion exempt); workflow tasks and markers
 * of patches are free.
 */
export const ACTIONS_RULE =
  'Temporal Cloud actions (docs.temporal.io/cloud/actions): workflow start 1, each activity attempt 1, all local activities of one workflow task 1, each timer 1, each signal 1, each search-attribute upsert 1 (TemporalChangeVersion exempt); workflow tasks and patch markers free';

export interface HistoryCounts {
  events: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  timers: number;
  signals: number;
  actions: number;
}

/** Means per run over the histories read. */
export interface RunWork extends HistoryCounts {
  /** Histories read (of `of` runs in the phase). */
  sampled: number;
  of: number;
  /** The event types of the first sampled history, in order: the run's shape. */
  shape: string[];
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const VERSIONING_ATTRIBUTE = 'TemporalChangeVersion';

export function countHistory(events: HistoryEvent[]): HistoryCounts {
  const c: HistoryCounts = { events: events.length, workflowTasks: 0, activityTasks: 0, localActivities: 0, timers: 0, signals: 0, actions: 0 };
  // Local activities bill once per workflow task that recorded any.
  const localTasks = new Set<string>();
  for (const e of events) {
    switch (e.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        c.actions++;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        c.workflowTasks++;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        c.activityTasks++;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        c.actions += Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
          c.localActivities++;
          localTasks.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? ''));
        }
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        c.timers++;
        c.actions++;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        c.signals++;
        c.actions++;
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (keys.some((k) => k !== VERSIONING_ATTRIBUTE)) c.actions++;
        break;
      }
    }
  }
  c.actions += localTasks.size;
  return c;
}

const shortName = (t: HistoryEvent['eventType']) => (E[t ?? 0] ?? String(t)).replace(/^EVENT_TYPE_/, '');

/** Histories of up to `sample` of the runs (spread over the list), `parallel` fetched at a time. */
export async function runWork(client: Client, workflowIds: string[], sample = 50, parallel = 8): Promise<RunWork | undefined> {
  const step = Math.max(1, workflowIds.length / sample);
  const picked = Array.from({ length: Math.min(sample, workflowIds.length) }, (_, i) => workflowIds[Math.floor(i * step)]!);
  const histories: HistoryEvent[][] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < picked.length) {
        const id = picked[next++]!;
        const history = await client.workflow.getHandle(id).fetchHistory().catch(() => undefined);
        if (history?.events) histories.push(history.events);
      }
    }),
  );
  if (histories.length === 0) return undefined;
  const counts = histories.map(countHistory);
  const mean = (k: keyof HistoryCounts) => counts.reduce((s, c) => s + c[k], 0) / counts.length;
  return {
    sampled: histories.length,
    of: workflowIds.length,
    events: mean('events'),
    workflowTasks: mean('workflowTasks'),
    activityTasks: mean('activityTasks'),
    localActivities: mean('localActivities'),
    timers: mean('timers'),
    signals: mean('signals'),
    actions: mean('actions'),
    shape: histories[0]!.map((e) => shortName(e.eventType)),
  };
}
