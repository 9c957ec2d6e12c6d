import type { Logger } from 'pino';
import type { Config } from './config/env.js';
import type { Credentials } from './config/credentials.js';
import type { Db } from './db/database.js';
import type { Jobs } from './jobs/queue.js';
import type { BuiltinPageCache, Cdn } from './storage/cdn.js';
import type { ObjectStorage } from './storage/storage.js';

/** What every service is handed at start: parsed config, one database, one logger, shared infrastructure. */
export interface AppContext {
  config: Config;
  db: Db;
  dialect: 'sqlite' | 'postgres';
  logger: Logger;
  credentials: Credentials;
  /** Background work: schedule and cancel jobs in a transaction, kick the runners after it commits. */
  jobs: Jobs;
  /** Says the outbox has new rows (after the writing transaction commits): jobs.kick('mail.send'). */
  mailKick: () => void;
  storage: ObjectStorage;
  cdn: Cdn;
  /** The built-in cache when no external CDN is configured; the site serves from it. */
  pageCache: BuiltinPageCache | undefined;
}
