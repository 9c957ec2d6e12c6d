import { describe, expect, it } from 'vitest';
import { mentionsRevenue, stripRevenue } from './notes.js';

describe('stripRevenue', () => {
  it('drops the revenue segment of the origin notes', () => {
    expect(stripRevenue('Guest: Boatsetter Guest | Revenue: $840.75')).toBe('Guest: Boatsetter Guest');
  });

  it.each([
    ['Revenue: $840.75 | Guest: Ana', 'Guest: Ana'],
    ['Guest: Ana | Price 840.75 USD | Party of 6', 'Guest: Ana | Party of 6'],
    ['Guest: Ana | USD 840.75', 'Guest: Ana'],
    ['Guest: Ana | €120,50', 'Guest: Ana'],
    ['Guest: Ana | 99 EUR', 'Guest: Ana'],
    ['Guest: Ana | £99', 'Guest: Ana'],
    ['Guest: Ana | Total 900', 'Guest: Ana'],
    ['Guest: Ana | payout: 700', 'Guest: Ana'],
    ['Guest: Ana | Owner earnings 500', 'Guest: Ana'],
    ['Guest: Ana | Fare 300', 'Guest: Ana'],
    ['Guest: Ana | 840 dollars', 'Guest: Ana'],
    ['Guest: Ana | US$840', 'Guest: Ana'],
    ['Guest: Ana | REVENUE 840.75', 'Guest: Ana'],
  ])('%s → %s', (input, output) => {
    expect(stripRevenue(input)).toBe(output);
  });

  it('works across lines and keeps the lines that say nothing of money', () => {
    const notes = 'Guest: Ana Lima\nRevenue: $840.75\nBring ice | Total: $900 | Party of 6\n\nMeet at dock B';
    expect(stripRevenue(notes)).toBe('Guest: Ana Lima\nBring ice | Party of 6\n\nMeet at dock B');
  });

  it('keeps ordinary notes as they are', () => {
    expect(stripRevenue('Guest: Boatsetter Guest | Party of 6 | Boat: JADA')).toBe('Guest: Boatsetter Guest | Party of 6 | Boat: JADA');
    expect(stripRevenue('Birthday party, 6 guests, 2 kids')).toBe('Birthday party, 6 guests, 2 kids');
  });

  it('returns null when nothing is left or nothing was given', () => {
    expect(stripRevenue('Revenue: $840.75')).toBeNull();
    expect(stripRevenue('  ')).toBeNull();
    expect(stripRevenue(null)).toBeNull();
    expect(stripRevenue(undefined)).toBeNull();
  });

  it('never lets an amount through, whatever the wording', () => {
    for (const notes of ['Guest paid $840.75', 'Paid 840.75 USD', 'USD840.75 in', 'Gross: 840.75', 'Net income 840.75']) {
      expect(stripRevenue(`Guest: Ana | ${notes}`)).toBe('Guest: Ana');
    }
  });

  it('does not mistake times, dates and counts for money', () => {
    expect(mentionsRevenue('Depart 9:00 AM on 2024-05-30')).toBe(false);
    expect(mentionsRevenue('Party of 6, 2 coolers')).toBe(false);
    expect(mentionsRevenue('Dock 12, slip 4')).toBe(false);
  });
});
