import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { workflowSource } from './workflow-source';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** HOMING_WORKFLOW_CACHE_SIZE: workflows kept in memory between their tasks. */
  maxCachedWorkflows: number;
  /** The user's automation files (HOMING_AUTOMATIONS), bundled beside the built-in workflows. */
  automationFiles: readonly string[];
  /** A prebuilt bundle of the built-in workflows (tests build one per run), used when there are no user automations. */
  workflowBundlePath?: string;
}

/**
 * A run starts eagerly only when a workflow task slot is free at that moment
 * (idle pollers hold some, and a task holds its slot while its send runs):
 * more slots than the SDK's 40, fewer starts through the task queue.
 */
const WORKFLOW_TASK_SLOTS = 100;

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const prebuilt = opts.workflowBundlePath && opts.automationFiles.length === 0 ? opts.workflowBundlePath : undefined;
  const source = prebuilt ? undefined : workflowSource(opts.automationFiles);
  try {
    return await Worker.create({
      connection: opts.connection,
      namespace: opts.namespace,
      taskQueue: opts.taskQueue,
      ...(prebuilt ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: source!.workflowsPath, bundlerOptions: source!.bundlerOptions }),
      activities: createActivities(opts.activities),
      maxCachedWorkflows: opts.maxCachedWorkflows,
      // The SDK allows no more slots than cached workflows (with the cache on).
      maxConcurrentWorkflowTaskExecutions: opts.maxCachedWorkflows > 0 ? Math.min(WORKFLOW_TASK_SLOTS, opts.maxCachedWorkflows) : WORKFLOW_TASK_SLOTS,
    });
  } finally {
    source?.done();
  }
}
