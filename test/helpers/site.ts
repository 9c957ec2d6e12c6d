import type { GuestPageInput } from '../../src/site/service.js';

/** The origin's charter as a guest page input; tests and benches change only what they are about. */
export const originCharter = (overrides: Partial<GuestPageInput> = {}): GuestPageInput => ({
  booking_ref: 'bk_page',
  source: 'boatsetter',
  title: 'Charter aboard JADA',
  date: '2024-05-30',
  start_time: '09:00',
  timezone: 'America/Los_Angeles',
  duration_hours: 3,
  location: 'Sheraton Marina',
  boat: 'JADA',
  guest_name: 'Boatsetter Guest',
  party_size: 6,
  status: 'scheduled',
  ...overrides,
});

/** A charter next year, so its page still takes uploads. */
export const upcomingCharter = (overrides: Partial<GuestPageInput> = {}): GuestPageInput =>
  originCharter({ date: `${new Date().getUTCFullYear() + 1}-05-30`, ...overrides });
