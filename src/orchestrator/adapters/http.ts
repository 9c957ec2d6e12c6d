/** A failure worth retrying later (network, timeout, 5xx, 429) versus one that will never succeed. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface RemoteOptions {
  baseUrl: string;
  credential: string;
  timeoutMs: number;
}

/**
 * One JSON call to a remote Dockhand-compatible service. The credential rides in Authorization,
 * which CDNs and proxies forward, unlike the custom headers the origin lost.
 */
export async function callRemote<T>(
  options: RemoteOptions,
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.credential}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  let response: Response;
  try {
    response = await fetch(`${options.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (error as Error).message;
    throw new RemoteError(`${method} ${options.baseUrl}${path}: ${reason}`, true);
  }
  const text = await response.text();
  if (response.ok) return (text ? JSON.parse(text) : {}) as T;
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    /* not JSON: keep the text */
  }
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
  if (response.status === 401) {
    throw new RemoteError(`${options.baseUrl} refused our credential (401): check the token or key configured for it`, false);
  }
  throw new RemoteError(`${method} ${options.baseUrl}${path} answered ${response.status}: ${message}`, retryable);
}
