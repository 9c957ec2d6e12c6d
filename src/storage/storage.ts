/** Where published objects live: the local disk by default, S3 when STORAGE_URL says so. */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** Stores a file already on disk without reading it into memory (uploads). */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  get(key: string): Promise<StoredObject | undefined>;
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix (a folder, ending in "/"), with when it was last written. */
  list(prefix: string): AsyncIterable<ListedObject>;
}

export interface ListedObject {
  key: string;
  modifiedAt: Date;
}

export interface StoredObject {
  body: Buffer;
  contentType: string;
}

/** Keys are relative, slash-separated, with no "." or ".." segments: nothing may escape the root. */
export function assertSafeKey(key: string): void {
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
    throw new Error(`unsafe storage key "${key}"`);
  }
}
