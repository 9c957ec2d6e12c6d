import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { addHours, formatLocal } from './time.js';

// formatLocal reads the wall clock with one cached Intl formatter per zone instead of luxon; it must
// say exactly what luxon says, across zones, DST changes and midnight/noon.
describe('formatLocal', () => {
  const zones = ['America/Los_Angeles', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC', 'Pacific/Chatham'];
  const instants = ['2024-05-30T16:00:00Z', '2024-03-10T09:30:00Z', '2024-11-03T08:59:00Z', '2024-12-31T23:45:00Z', '2025-01-01T00:00:00Z', '2024-10-06T15:30:00Z'];
  for (const zone of zones) {
    it(`says what luxon says in ${zone}`, () => {
      for (const at of instants) {
        const start = DateTime.fromISO(at, { zone: 'utc' }).setZone(zone).setLocale('en-US');
        const end = start.plus({ minutes: 150 });
        const local = formatLocal(at, zone, 2.5);
        expect(local.date).toBe(start.toFormat('cccc, LLLL d, yyyy'));
        expect(local.time).toBe(start.toFormat('h:mm a'));
        expect(local.zone).toBe(start.toFormat('ZZZZ'));
        expect(local.range).toBe(`${start.toFormat('h:mm a')} – ${end.toFormat('h:mm a')} ${start.toFormat('ZZZZ')}`);
      }
    });
  }

  it('adds hours in UTC, to the minute', () => {
    expect(addHours('2024-05-30T16:00:00.000Z', 3.25)).toBe('2024-05-30T19:15:00.000Z');
    expect(addHours('2024-05-30T16:00:00Z', 336)).toBe('2024-06-13T16:00:00.000Z');
  });
});
