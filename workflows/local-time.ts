// Wall-clock arithmetic in a time zone, with Intl only (it works inside the
// workflow sandbox, and the result depends only on its inputs).

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws a RangeError naming the zone when it is not an IANA time zone.
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (local wall time − UTC). */
function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant when the zone's clocks show `wall` (a wall time written as if it
 * were UTC). A wall time skipped by a DST change maps to the same time after
 * the change (02:30 → 03:30); one that occurs twice maps to its first occurrence.
 */
function instantOf(wall: number, timeZone: string): number {
  const first = wall - offsetAt(wall - offsetAt(wall, timeZone), timeZone);
  const offset = offsetAt(first, timeZone);
  return first + offset === wall ? first : wall - offset;
}

/** Whether Intl knows `zone` as a time zone (for settings and traits as well as waits). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Validates "HH:MM" (24 h) and an IANA time zone; throws an Error that says which is wrong. */
function parse(at: string, timeZone: string): { hour: number; minute: number } {
  const m = TIME_OF_DAY.exec(at);
  if (!m) throw new Error(`"${at}" is not a time of day like "10:00" (24 h, HH:MM)`);
  if (!isTimeZone(timeZone)) throw new Error(`"${timeZone}" is not an IANA time zone (like "Europe/Berlin")`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** Milliseconds from `now` until the next time the clocks in `timeZone` show `at` (never 0: exactly `at` now means tomorrow's). */
export function msUntilLocalTime(now: number, at: string, timeZone: string): number {
  const { hour, minute } = parse(at, timeZone);
  const today = new Date(now + offsetAt(now, timeZone));
  for (let days = 0; ; days++) {
    const target = instantOf(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days, hour, minute), timeZone);
    if (target > now) return target - now;
  }
}

/** Whether "HH:MM" is a time of day as `msUntilLocalTime` takes it. */
export const isTimeOfDay = (at: unknown): at is string => typeof at === 'string' && TIME_OF_DAY.test(at);

/**
 * Milliseconds from `now` until the zone's clocks next enter the window
 * [from, until) (one that wraps midnight when `from` is later), or 0 inside it.
 */
export function msUntilWindow(now: number, window: { from: string; until: string }, timeZone: string): number {
  const toFrom = msUntilLocalTime(now, window.from, timeZone);
  // Inside the window its end comes before its next start (exactly at `from`, the next start is a day away).
  return msUntilLocalTime(now, window.until, timeZone) < toFrom ? 0 : toFrom;
}
