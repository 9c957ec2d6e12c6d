import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { assertSafeKey, type ListedObject, type ObjectStorage, type StoredObject } from './storage.js';

export interface S3Location {
  bucket: string;
  /** "" or a prefix without slashes at either end. */
  prefix: string;
}

/** "s3://bucket/some/prefix/" → { bucket, prefix: "some/prefix" } */
export function parseS3Url(url: string): S3Location {
  const parsed = new URL(url);
  if (parsed.protocol !== 's3:' || !parsed.hostname) throw new Error(`STORAGE_URL: "${url}" must look like s3://bucket/prefix`);
  return { bucket: parsed.hostname, prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '') };
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface PostPolicy {
  key: string;
  contentType: string;
  maxBytes: number;
  expiresSeconds: number;
}

/**
 * S3 or an S3-compatible store. With S3_ENDPOINT the bucket goes in the path (MinIO, s3rver and most
 * compatibles have no per-bucket DNS). Checksums only when S3 demands them: compatibles that do not
 * speak the aws-chunked trailer otherwise refuse every streamed PutObject.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  private origin: Promise<string> | undefined;

  constructor(
    readonly location: S3Location,
    endpoint: string | undefined,
    clientConfig: S3ClientConfig = {},
  ) {
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
    this.client = new S3Client({
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(region ? { region } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...clientConfig,
    });
  }

  /** The bucket's key for one of our keys: the prefix keeps installations apart in one bucket. */
  fullKey(key: string): string {
    assertSafeKey(key);
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.fullKey(key),
        Body: body,
        ContentType: contentType,
        // Pages change in place, so viewers revalidate; photo variants never change once written.
        CacheControl: contentType.startsWith('text/html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      }),
    );
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    const { size } = await stat(path);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.fullKey(key),
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentType,
      }),
    );
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
      const body = Buffer.from(await out.Body!.transformToByteArray());
      return { body, contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const ours = this.location.prefix ? `${this.location.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: `${ours}${prefix}`, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key?.startsWith(ours)) yield { key: item.Key.slice(ours.length), modifiedAt: item.LastModified ?? new Date() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A browser upload S3 itself polices: exact key, a size range, and an image Content-Type. The
   * returned fields go first in the multipart form, the file last.
   */
  async presignPost(policy: PostPolicy): Promise<PresignedPost> {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.location.bucket,
      Key: this.fullKey(policy.key),
      Conditions: [
        ['content-length-range', 1, policy.maxBytes],
        ['starts-with', '$Content-Type', 'image/'],
        ['eq', '$Content-Type', policy.contentType],
      ],
      Fields: { 'Content-Type': policy.contentType },
      Expires: policy.expiresSeconds,
    });
    return { url, fields };
  }

  /** Where browsers send uploads, for the page's Content-Security-Policy. */
  uploadOrigin(): Promise<string> {
    this.origin ??= this.presignPost({ key: 'g/origin-probe', contentType: 'image/jpeg', maxBytes: 1, expiresSeconds: 60 }).then(
      ({ url }) => new URL(url).origin,
      (error: unknown) => {
        this.origin = undefined; // not remembered: the next publish asks again (credentials may appear)
        throw error;
      },
    );
    return this.origin;
  }
}
