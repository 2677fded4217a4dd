/**
 * The Overview's period: the last 24 hours, 7 or 30 days, or whole days
 * chosen in the reader's calendar. Kept in the URL (?period=…), so a reload
 * or a shared link shows the same period.
 */
export const PERIODS = [
  { id: '24h', label: 'Last 24 hours', days: 1 },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: 'custom', label: 'Custom', days: 0 },
] as const;

export type PeriodId = (typeof PERIODS)[number]['id'];

export interface PeriodChoice {
  id: PeriodId;
  /** Custom only: first and last day, YYYY-MM-DD, both included. */
  from: string;
  to: string;
}

const DAY_MS = 24 * 3600_000;

export function choiceFrom(query: URLSearchParams): PeriodChoice {
  const id = PERIODS.find((p) => p.id === query.get('period'))?.id ?? '7d';
  return { id, from: query.get('from') ?? '', to: query.get('to') ?? '' };
}

export function queryOf(choice: PeriodChoice): string {
  const q = new URLSearchParams({ period: choice.id });
  if (choice.id === 'custom') {
    if (choice.from) q.set('from', choice.from);
    if (choice.to) q.set('to', choice.to);
  }
  return q.toString();
}

/** A day as a date input holds it, YYYY-MM-DD in the reader's time zone. */
const dayOf = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** Switching to Custom starts from the last 7 days, today included, rather than from empty fields. */
export function customFrom(choice: PeriodChoice, now: Date): PeriodChoice {
  if (choice.from || choice.to) return { ...choice, id: 'custom' };
  return { id: 'custom', from: dayOf(new Date(now.getTime() - 6 * DAY_MS)), to: dayOf(now) };
}

/** Midnight starting a YYYY-MM-DD day in the reader's time zone. */
const localDay = (day: string) => new Date(`${day}T00:00:00`);

/** The API's [from, to) for a choice, as of `now`; or what is wrong with a custom one, by field. */
export function periodOf(choice: PeriodChoice, now: Date): { from: string; to: string } | { errors: { from?: string; to?: string } } {
  if (choice.id !== 'custom') {
    const days = PERIODS.find((p) => p.id === choice.id)!.days;
    return { from: new Date(now.getTime() - days * DAY_MS).toISOString(), to: now.toISOString() };
  }
  const from = choice.from ? localDay(choice.from) : undefined;
  const last = choice.to ? localDay(choice.to) : undefined;
  const errors: { from?: string; to?: string } = {};
  if (!from || Number.isNaN(from.getTime())) errors.from = 'choose the first day';
  if (!last || Number.isNaN(last.getTime())) errors.to = 'choose the last day';
  else if (from && last < from) errors.to = 'the last day is before the first';
  if (errors.from || errors.to) return { errors };
  const end = new Date(last!);
  end.setDate(end.getDate() + 1);
  return { from: from!.toISOString(), to: end.toISOString() };
}
