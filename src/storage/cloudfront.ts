import { randomUUID } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand, type CloudFrontClientConfig } from '@aws-sdk/client-cloudfront';
import type { Logger } from 'pino';
import type { Cdn } from './cdn.js';

export interface CloudFrontOptions {
  clientConfig?: CloudFrontClientConfig;
  attempts?: number;
  /** First wait between attempts; doubles each time. */
  backoffMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * CloudFront in front of the bucket. One invalidation per publish, naming every viewer form of the
 * page (the viewer-request function rewrites /g/slug/ to /g/slug.html, so both forms may be cached).
 * A retry reuses the CallerReference: CloudFront answers it with the invalidation it already made,
 * so a retry after a lost response never pays for the paths twice.
 */
export class CloudFrontCdn implements Cdn {
  readonly kind = 'cloudfront' as const;
  readonly client: CloudFrontClient;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(
    readonly distributionId: string,
    private readonly options: CloudFrontOptions = {},
  ) {
    // CloudFront's API has one global endpoint, signed for us-east-1 whatever AWS_REGION says. The
    // loop below is the only retry, so its reused CallerReference covers every attempt.
    this.client = new CloudFrontClient({ region: 'us-east-1', maxAttempts: 1, ...options.clientConfig });
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
  }

  async invalidate(paths: string[]): Promise<void> {
    const items = [...new Set(paths)];
    if (items.length === 0) return;
    for (const path of items) {
      if (!path.startsWith('/') || path.includes('*')) throw new Error(`CloudFront invalidation path "${path}" must start with / and name one object`);
    }
    const command = new CreateInvalidationCommand({
      DistributionId: this.distributionId,
      InvalidationBatch: { CallerReference: `dockhand-${randomUUID()}`, Paths: { Quantity: items.length, Items: items } },
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(command);
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          throw new Error(`CloudFront invalidation of ${items.join(', ')} failed after ${attempt} attempts: ${(error as Error).message}`, { cause: error });
        }
        this.options.logger?.warn({ err: (error as Error).message, attempt, paths: items }, 'CloudFront invalidation failed; retrying');
        await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
      }
    }
  }
}
