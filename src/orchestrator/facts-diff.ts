import type { ErrorDetail } from '../http/errors.js';

const isBlank = (v: unknown) => v === null || v === undefined;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (isBlank(v) ? 'nothing' : JSON.stringify(v));

/**
 * Where two bookings' facts differ, one detail per leaf ("guest.name", "duration_hours"); an absent
 * optional field and null mean the same. Both sides are parsed bookings, so text is already canonical.
 */
export function diffFacts(known: unknown, sent: unknown, at: string[] = []): ErrorDetail[] {
  if (isBlank(known) && isBlank(sent)) return [];
  if (isRecord(known) && isRecord(sent)) {
    const keys = [...new Set([...Object.keys(known), ...Object.keys(sent)])].sort();
    return keys.flatMap((k) => diffFacts(known[k], sent[k], [...at, k]));
  }
  if (JSON.stringify(known) === JSON.stringify(sent)) return [];
  return [{ path: at.join('.') || '(body)', message: `is ${show(sent)} here but ${show(known)} in the booking already stored` }];
}
