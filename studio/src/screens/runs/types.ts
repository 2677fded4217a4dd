import type { paths } from '../../../generated/api';

/** Shapes of the run and message routes, from the OpenAPI document. */
export type Run = paths['/api/runs']['get']['responses'][200]['content']['application/json']['runs'][number];
export type RunDetail = paths['/api/runs/{id}']['get']['responses'][200]['content']['application/json'];
export type Message = RunDetail['messages'][number];
export type MessageDetail = paths['/api/messages/{id}']['get']['responses'][200]['content']['application/json'];

export const RUN_STATUSES = ['pending', 'running', 'completed', 'canceled', 'failed'] as const;
export const isOpen = (run: Pick<Run, 'status'>) => run.status === 'pending' || run.status === 'running';

/** How a run ended in a few words: its status, and the outcome its automation returned. */
export function runOutcome(run: Pick<Run, 'status' | 'result'>): string {
  const outcome = run.result && typeof run.result === 'object' && 'outcome' in run.result ? String(run.result.outcome) : undefined;
  return outcome ? `${run.status}, ${outcome}` : run.status;
}
