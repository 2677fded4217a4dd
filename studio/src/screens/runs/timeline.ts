import type { MessageDetail, RunDetail } from './types';

/** One line of a run's timeline. */
export interface TimelineEntry {
  at: string;
  /** Until when, for a wait. */
  until?: string;
  kind: 'run' | 'status' | 'engagement' | 'wait' | 'note';
  title: string;
  detail?: string;
}

const ms = (t: string) => new Date(t).getTime();
const iso = (t: string) => new Date(t).toISOString();
const ENGAGEMENT = new Set(['OPENED', 'CLICKED']);
const CHANNEL_NAMES: Record<string, string> = { email: 'Email', sms: 'SMS' };
const channelName = (channel: string) => CHANNEL_NAMES[channel] ?? channel;

/** A timeline entry's detail in one readable line (`key: value`, nested values as JSON). */
function describe(source: string, detail: Record<string, unknown>): string {
  const parts = Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [`by ${source}`, ...parts].join(' · ');
}

/**
 * A run's timeline from what the API records: the run's own times, each
 * message's timeline (status changes, engagement, holds), and the waits in
 * between, which the automation spends on durable timers (the Temporal UI has
 * their exact limits): from a message's sending until its engagement, the next
 * step, the run's end, or now.
 */
export function runTimeline(run: RunDetail, messages: MessageDetail[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: run.createdAt, kind: 'run', title: 'Run created', detail: `triggered by "${run.trigger.event}" (${run.trigger.messageId})` }];
  if (run.startedAt) entries.push({ at: run.startedAt, kind: 'run', title: 'Run started', detail: `automation ${run.automation}, mapping ${run.mapping.id} v${run.mapping.version}` });

  const ordered = [...messages].sort((a, b) => ms(a.createdAt) - ms(b.createdAt));
  ordered.forEach((m, i) => {
    const label = `${channelName(m.channel)} (step ${m.step})`;
    for (const e of m.timeline) {
      entries.push({ at: e.at, kind: ENGAGEMENT.has(e.kind) ? 'engagement' : 'status', title: `${label}: ${e.kind}`, detail: describe(e.source, e.detail) });
    }
    // status_times come from Postgres' clock in its own format: compared as instants.
    const sent = m.statusTimes.SENT && iso(m.statusTimes.SENT);
    if (!sent) return;
    const engaged = m.timeline.find((e) => ENGAGEMENT.has(e.kind))?.at;
    const next = ordered[i + 1]?.createdAt;
    const ends = [engaged, next, run.closedAt ?? undefined].filter((t): t is string => !!t && ms(t) >= ms(sent)).sort((a, b) => ms(a) - ms(b));
    const until = ends[0];
    const why = until === undefined ? 'still waiting' : until === engaged ? 'ended by the engagement' : until === next ? 'timed out: the next step' : 'ended with the run';
    entries.push({ at: sent, until, kind: 'wait', title: `Wait for engagement with the ${channelName(m.channel).toLowerCase()}`, detail: why });
  });

  if (run.cancelRequestedAt) entries.push({ at: run.cancelRequestedAt, kind: 'note', title: 'Cancel requested' });
  if (run.closedAt) entries.push({ at: run.closedAt, kind: 'run', title: `Run ended: ${run.status}`, detail: run.result === null || run.result === undefined ? undefined : JSON.stringify(run.result) });
  // Stable: entries at the same instant keep the order above (a wait starts after the SENT that begins it).
  return entries.map((e, i) => ({ e, i })).sort((a, b) => ms(a.e.at) - ms(b.e.at) || a.i - b.i).map(({ e }) => e);
}
