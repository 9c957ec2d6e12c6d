import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Db, Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import { AppError } from './errors.js';

export interface StoredResponse<T> {
  statusCode: number;
  body: T;
  replayed: boolean;
}

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length === 0) return undefined;
  if (key.length > 255) throw new AppError(400, 'bad_idempotency_key', 'Idempotency-Key must be at most 255 characters.');
  return key;
}

const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');

/**
 * Runs `work` once per (scope, key): the key row is written in the same transaction as the work, so a
 * repeat (or a racing twin) gets the first response and changes nothing. Without a key, it just runs.
 * Inside the caller's transaction (`within`, an in-process call from the saga) no key row is kept:
 * the caller's journal commits with the work, and that is what makes it happen once.
 */
export async function once<T>(
  db: Db,
  scope: string,
  key: string | undefined,
  requestBody: unknown,
  work: (trx: Tx) => Promise<{ statusCode: number; body: T }>,
  within?: Tx,
): Promise<StoredResponse<T>> {
  if (within) return { ...(await work(within)), replayed: false };
  if (!key) {
    const result = await db.transaction().execute(work);
    return { ...result, replayed: false };
  }
  const requestHash = hashOf(requestBody);
  const replay = async (): Promise<StoredResponse<T> | undefined> => {
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== requestHash) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request body. Use a new key for a different request.',
      );
    }
    return { statusCode: row.status_code, body: JSON.parse(row.response) as T, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    const result = await db.transaction().execute(async (trx) => {
      const r = await work(trx);
      await trx
        .insertInto('idempotency_keys')
        .values({
          scope,
          key,
          request_hash: requestHash,
          status_code: r.statusCode,
          response: JSON.stringify(r.body),
          created_at: nowIso(),
        })
        .execute();
      return r;
    });
    return { ...result, replayed: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await replay();
    if (!winner) throw error;
    return winner;
  }
}
