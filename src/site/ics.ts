import { addHours, localToInstant } from '../lib/time.js';
import type { GuestPageContent } from './types.js';

const stamp = (iso: string) => iso.replace(/\.\d{3}/, '').replace(/[-:]/g, '');
// RFC 5545: backslash, semicolon and comma escaped, line breaks as \n. A bare CR is a line break too:
// left raw, it ends the content line early in some readers and lets text forge properties.
const text = (value: string) => value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');

/** Lines longer than 75 octets continue on the next line after a space (RFC 5545, 3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  for (const char of line) {
    if (Buffer.byteLength(current + char) > 75) {
      out.push(current);
      current = ' ';
    }
    current += char;
  }
  out.push(current);
  return out.join('\r\n');
}

export interface IcsOptions {
  slug: string;
  url: string;
  /** Raised on every change, so calendars replace the event they already hold. */
  sequence: number;
  /** When this version of the page was written. */
  stampedAt: string;
}

/**
 * One VEVENT in UTC instants (no floating local times), with a UID that stays the same for the life of
 * the page, so adding it twice or after a change updates one entry.
 */
export function charterIcs(c: GuestPageContent, o: IcsOptions): string {
  const start = localToInstant(c.date, c.start_time, c.timezone);
  const end = addHours(start, c.duration_hours);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Dockhand//Guest page//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${o.slug}@dockhand`,
    `DTSTAMP:${stamp(new Date(o.stampedAt).toISOString())}`,
    `DTSTART:${stamp(new Date(start).toISOString())}`,
    `DTEND:${stamp(new Date(end).toISOString())}`,
    `SEQUENCE:${o.sequence}`,
    `SUMMARY:${text(c.title)}`,
    `LOCATION:${text(c.location)}`,
    `DESCRIPTION:${text(`${c.boat ? `Boat: ${c.boat}\n` : ''}Charter page: ${o.url}`)}`,
    `STATUS:${c.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
