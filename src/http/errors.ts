import { z } from 'zod';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error a caller can act on: status, stable code, a sentence for a person, and per-field details. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) =>
  new AppError(404, 'not_found', `No ${what} with id "${id}". Check the id; list them to see what exists.`);

export const unprocessable = (message: string, details: ErrorDetail[] = []) =>
  new AppError(422, 'invalid_request', message, details);

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    // One detail per unknown key, named by its own path, so the caller knows exactly what to remove.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'is not a known field; remove it or check its spelling' }));
    }
    return [{ path: at.join('.') || '(body)', message: issue.message }];
  });
}

/** Validates untrusted input at the edge; inside, the result is trusted by its type. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = zodDetails(result.error);
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  throw new AppError(422, 'validation_failed', `The ${what} is not valid: ${first.path}: ${first.message}${more}.`, details);
}
