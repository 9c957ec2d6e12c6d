import { randomBytes } from 'node:crypto';

/** Time-ordered, prefixed ids ("bk_lq2x9c0a3f9e1b2c"): readable in logs, sortable, unguessable enough. */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export const nowIso = (): string => new Date().toISOString();
