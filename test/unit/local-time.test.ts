import { msUntilLocalTime, msUntilWindow } from '../../workflows/local-time';

const at = (iso: string) => Date.parse(iso);
const wakeAt = (now: string, time: string, zone: string) => new Date(at(now) + msUntilLocalTime(at(now), time, zone)).toISOString();

it('the next 10:00 in the zone: later today, or tomorrow once it has passed', () => {
  expect(wakeAt('2026-06-10T06:00:00Z', '10:00', 'Europe/Berlin')).toBe('2026-06-10T08:00:00.000Z');
  expect(wakeAt('2026-06-10T09:00:00Z', '10:00', 'Europe/Berlin')).toBe('2026-06-11T08:00:00.000Z');
  // Exactly 10:00 now is tomorrow's 10:00, never a zero wait.
  expect(wakeAt('2026-06-10T08:00:00Z', '10:00', 'Europe/Berlin')).toBe('2026-06-11T08:00:00.000Z');
});

it('counts the local date, not the UTC one', () => {
  // 23:30 UTC on the 10th is already 08:30 on the 11th in Tokyo.
  expect(wakeAt('2026-06-10T23:30:00Z', '10:00', 'Asia/Tokyo')).toBe('2026-06-11T01:00:00.000Z');
  // 02:00 UTC on the 11th is still 22:00 on the 10th in New York.
  expect(wakeAt('2026-06-11T02:00:00Z', '10:00', 'America/New_York')).toBe('2026-06-11T14:00:00.000Z');
});

it('is DST-correct: 10:00 is 10:00 local on both sides of a change', () => {
  // New York springs forward on 2026-03-08: 10:00 EST the day before, 10:00 EDT that day.
  expect(wakeAt('2026-03-07T12:00:00Z', '10:00', 'America/New_York')).toBe('2026-03-07T15:00:00.000Z');
  expect(wakeAt('2026-03-07T16:00:00Z', '10:00', 'America/New_York')).toBe('2026-03-08T14:00:00.000Z');
  // Falls back on 2026-11-01.
  expect(wakeAt('2026-10-31T15:00:00Z', '10:00', 'America/New_York')).toBe('2026-11-01T15:00:00.000Z');
});

it('a time skipped by the change is the same time after it; a repeated one is its first occurrence', () => {
  expect(wakeAt('2026-03-08T05:00:00Z', '02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
  expect(wakeAt('2026-11-01T04:00:00Z', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
});

it('names what is wrong with bad input', () => {
  expect(() => msUntilLocalTime(0, '25:00', 'UTC')).toThrow('"25:00" is not a time of day like "10:00"');
  expect(() => msUntilLocalTime(0, '9:00', 'UTC')).toThrow('is not a time of day');
  expect(() => msUntilLocalTime(0, '10:00', 'Mars/Olympus')).toThrow('"Mars/Olympus" is not an IANA time zone');
});

describe('msUntilWindow: how long until the zone is inside [from, until)', () => {
  const hours = { from: '08:00', until: '21:00' };
  it('is 0 inside the window, from its first minute to just before its end', () => {
    expect(msUntilWindow(at('2026-06-10T06:00:00Z'), hours, 'Europe/Berlin')).toBe(0); // 08:00 local
    expect(msUntilWindow(at('2026-06-10T18:59:59Z'), hours, 'Europe/Berlin')).toBe(0); // 20:59:59
  });
  it('outside, the next opening in the zone: the same morning, or the next one from 21:00 on', () => {
    expect(msUntilWindow(at('2026-06-10T01:00:00Z'), hours, 'Europe/Berlin')).toBe(5 * 3_600_000); // 03:00 → 08:00
    expect(msUntilWindow(at('2026-06-10T19:00:00Z'), hours, 'Europe/Berlin')).toBe(11 * 3_600_000); // 21:00 → 08:00
  });
  it('handles a window that wraps midnight', () => {
    const night = { from: '22:00', until: '06:00' };
    expect(msUntilWindow(at('2026-06-10T23:30:00Z'), night, 'UTC')).toBe(0);
    expect(msUntilWindow(at('2026-06-10T05:59:00Z'), night, 'UTC')).toBe(0);
    expect(msUntilWindow(at('2026-06-10T12:00:00Z'), night, 'UTC')).toBe(10 * 3_600_000);
  });
  it('opens at 08:00 local across a DST change (Berlin springs forward on 29 March 2026)', () => {
    // 01:00 UTC on the 29th is 03:00 CEST, after the change: 08:00 CEST is 06:00 UTC.
    expect(new Date(at('2026-03-29T01:00:00Z') + msUntilWindow(at('2026-03-29T01:00:00Z'), hours, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });
});
