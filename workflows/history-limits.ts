import { patched, workflowInfo } from '@temporalio/workflow';

/**
 * When a long-lived workflow continues as new. A worker that takes one over
 * replays its whole history in one workflow task; ~1,000 events took 5.5–6.9 s
 * on a loaded 2-core worker (TMPRL1104), so the limit is what replay costs:
 * history bytes, and an event cap far below Temporal's own suggestion.
 */
export interface HistoryLimits {
  /** Default 200 events (about 1 s of replay at the rate measured). */
  maxHistoryEvents?: number;
  /** Default 128 KiB (for histories of large signals or activity results). */
  maxHistoryBytes?: number;
}

const DEFAULT_MAX_HISTORY_EVENTS = 200;
const DEFAULT_MAX_HISTORY_BYTES = 128 * 1024;
/** What runs started before the patch were capped at. */
const LEGACY_MAX_HISTORY_EVENTS = 5_000;

/**
 * True once this run should continue as new. Behind a patch: a run whose
 * history was made under the 5,000-event cap replays under it, and takes the
 * new limits from its first workflow task on a new worker.
 */
export function shouldContinueAsNew(limits: HistoryLimits = {}): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  if (!patched('continue-as-new-by-replay-cost')) return info.historyLength >= LEGACY_MAX_HISTORY_EVENTS;
  return info.historyLength >= (limits.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS) || info.historySize >= (limits.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES);
}

/** The limits a run passes on to the run it continues as: only those set, so default runs keep an unchanged input. */
export const limitsOf = ({ maxHistoryEvents, maxHistoryBytes }: HistoryLimits): HistoryLimits => ({
  ...(maxHistoryEvents !== undefined && { maxHistoryEvents }),
  ...(maxHistoryBytes !== undefined && { maxHistoryBytes }),
});
