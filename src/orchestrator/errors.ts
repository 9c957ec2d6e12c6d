import { AppError } from '../http/errors.js';
import { PermanentError } from '../jobs/types.js';
import { RemoteError } from './adapters/http.js';

/** The booking cannot sync as it stands (double-booked boat or crew, nobody available): the owner decides. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof PermanentError || error instanceof ConflictError) return false;
  if (error instanceof RemoteError) return error.retryable;
  if (error instanceof AppError) return error.statusCode >= 500 || error.statusCode === 409 || error.statusCode === 429;
  return true;
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
