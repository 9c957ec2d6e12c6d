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

// One Intl formatter per zone, made once: constructing them is what makes zone formatting slow.
const wallClocks = new Map<string, Intl.DateTimeFormat>();
const wallClock = (zone: string) => {
  let format = wallClocks.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      hour12: true,
      timeZoneName: 'short',
    });
    if (wallClocks.size < 1000) wallClocks.set(zone, format);
  }
  return format;
};

/** The wall clock in a zone at an instant, in the words an English reader expects. */
export function wallTime(instantMs: number, zone: string) {
  const parts: Record<string, string> = {};
  for (const p of wallClock(zone).formatToParts(instantMs)) parts[p.type] = p.value;
  return {
    /** "Thursday" */ weekday: parts.weekday!,
    /** "May" */ month: parts.month!,
    day: parts.day!,
    year: parts.year!,
    /** "9:00 AM" */ time: `${parts.hour}:${parts.minute} ${parts.dayPeriod}`,
    /** "PDT" */ zone: parts.timeZoneName!,
  };
}

/** How a person on the boat reads an instant: in the charter's own timezone, never the server's. */
export const formatLocal = memo(function formatLocal(instantIso: string, zone: string, durationHours: number): LocalTime {
  const startMs = Date.parse(instantIso);
  const start = wallTime(startMs, zone);
  const end = wallTime(startMs + Math.round(durationHours * 60) * 60_000, zone);
  // Frozen: the memo hands the same object to every caller.
  return Object.freeze({
    date: `${start.weekday}, ${start.month} ${start.day}, ${start.year}`,
    time: start.time,
    zone: start.zone,
    range: `${start.time} – ${end.time} ${start.zone}`,
  });
});

export const addHours = (instantIso: string, hours: number): string => new Date(Date.parse(instantIso) + Math.round(hours * 60) * 60_000).toISOString();

/** "2 hours", "1.5 hours", "1 hour" */
export const formatDuration = (hours: number): string => `${hours} hour${hours === 1 ? '' : 's'}`;

/** Money kept as integer cents; shown as "$75.00". */
const moneyFormats = new Map<string, Intl.NumberFormat>();
export const formatCents = (cents: number, currency = 'USD'): string => {
  let format = moneyFormats.get(currency);
  if (!format) moneyFormats.set(currency, (format = new Intl.NumberFormat('en-US', { style: 'currency', currency })));
  return format.format(cents / 100);
};
