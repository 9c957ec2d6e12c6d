import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertSafeKey, type ListedObject, type ObjectStorage, type StoredObject } from './storage.js';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.ics': 'text/calendar; charset=utf-8',
};

/** Objects as files under one root; writes go to a temp file and are renamed, so readers never see half a page. */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | string, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }

  async putFile(key: string, source: string, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      await rename(source, path);
    } catch (error) {
      // Another filesystem: copy beside the target first, so the final step is still an atomic rename.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      await copyFile(source, temp);
      await rename(temp, path);
      await rm(source, { force: true });
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const body = await readFile(this.pathOf(key));
      return { body, contentType: contentTypes[extname(key).toLowerCase()] ?? 'application/octet-stream' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    if (!prefix.endsWith('/')) throw new Error(`list() takes a folder ending in "/", not "${prefix}"`);
    yield* this.walk(prefix.slice(0, -1));
  }

  private async *walk(folder: string): AsyncIterable<ListedObject> {
    let entries;
    try {
      entries = await readdir(this.pathOf(folder), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const key = `${folder}/${entry.name}`;
      if (entry.isDirectory()) yield* this.walk(key);
      // A ".tmp" is a write still in progress (see put): not an object yet.
      else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
        const info = await stat(this.pathOf(key)).catch(() => undefined);
        if (info) yield { key, modifiedAt: info.mtime };
      }
    }
  }
}
