import path from 'node:path';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** HOMING_WORKFLOW_CACHE_SIZE: workflows kept in memory between their tasks. */
  maxCachedWorkflows: number;
  /** A prebuilt workflow bundle (tests build one per run); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
}

/** The workflow bundle's entry point, from src/ or dist/src/ alike. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../../workflows');

/**
 * A run starts eagerly only when a workflow task slot is free at that moment
 * (idle pollers hold some, and a task holds its slot while its send runs):
 * more slots than the SDK's 40, fewer starts through the task queue.
 */
const WORKFLOW_TASK_SLOTS = 100;

export function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.activities),
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // The SDK allows no more slots than cached workflows (with the cache on).
    maxConcurrentWorkflowTaskExecutions: opts.maxCachedWorkflows > 0 ? Math.min(WORKFLOW_TASK_SLOTS, opts.maxCachedWorkflows) : WORKFLOW_TASK_SLOTS,
  });
}
