import { DateTime, IANAZone } from 'luxon';

// Luxon builds an Intl formatter for every check; the answer for a zone name never changes.
const zoneValidity = new Map<string, boolean>();
export function isValidTimezone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid);
  }
  return valid;
}

// Zone arithmetic and formatting are slow in luxon (an Intl formatter per call), and one booking asks
// the same question a dozen times (emails, pages, summaries): remember the last few thousand answers.
function memo<A extends unknown[], R>(fn: (...args: A) => R, max = 2000): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A) => {
    const key = args.join('\u0000');
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(...args);
      if (cache.size >= max) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}

/** The UTC instant of a wall-clock time in a zone ("2024-05-30", "09:00", "America/Los_Angeles"). */
export const localToInstant = memo(function localToInstant(date: string, time: string, zone: string): string {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!dt.isValid) throw new Error(`invalid local time ${date} ${time} in ${zone}: ${dt.invalidExplanation ?? ''}`);
  return dt.toUTC().toISO({ suppressMilliseconds: true })!;
});

export interface LocalTime {
  /** "Thursday, May 30, 2024" */
  date: string;
  /** "9:00 AM" */
  time: string;
  /** "PDT" */
  zone: string;
  /** "9:00 AM – 12:00 PM PDT" */
  range: string;
}

/** How a person on the boat reads an instant: in the charter's own timezone, never the server's. */
export const formatLocal = memo(function formatLocal(instantIso: string, zone: string, durationHours: number): LocalTime {
  const start = DateTime.fromISO(instantIso, { zone: 'utc' }).setZone(zone).setLocale('en-US');
  const end = start.plus({ minutes: Math.round(durationHours * 60) });
  const time = start.toFormat('h:mm a');
  const zoneAbbr = start.toFormat('ZZZZ');
  // Frozen: the memo hands the same object to every caller.
  return Object.freeze({
    date: start.toFormat('cccc, LLLL d, yyyy'),
    time,
    zone: zoneAbbr,
    range: `${time} – ${end.toFormat('h:mm a')} ${zoneAbbr}`,
  });
});

export const addHours = (instantIso: string, hours: number): string =>
  DateTime.fromISO(instantIso, { zone: 'utc' }).plus({ minutes: Math.round(hours * 60) }).toUTC().toISO()!;

/** "2 hours", "1.5 hours", "1 hour" */
export const formatDuration = (hours: number): string => `${hours} hour${hours === 1 ? '' : 's'}`;

/** Money kept as integer cents; shown as "$75.00". */
export const formatCents = (cents: number, currency = 'USD'): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
