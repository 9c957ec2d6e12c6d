import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { schemaOf, type Db } from './database.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_photos.js';
import * as m0004 from './migrations/0004_crew_offers.js';

// Listed in code, not read from a folder, so the built package and the tests see the same set.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_photos': m0002,
  '0004_crew_offers': m0004,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or another
// installation's tables on the same server would be taken for this one's.
const migratorFor = (db: Db) => new Migrator({ db, provider, ...(schemaOf(db) ? { migrationTableSchema: schemaOf(db) } : {}) });

export const latestMigration = Object.keys(migrations).sort().at(-1)!;

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = migratorFor(db);
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}

export interface SchemaState {
  pending: string[];
  /** Applied to the database but unknown to this build: the schema is newer than the code. */
  unknown: string[];
}

export async function schemaState(db: Db): Promise<SchemaState> {
  const migrator = migratorFor(db);
  const known = await migrator.getMigrations();
  const pending = known.filter((m) => m.executedAt === undefined).map((m) => m.name);
  let applied: string[] = [];
  try {
    const schema = schemaOf(db);
    const from = schema ? db.withSchema(schema) : db;
    applied = (await from.selectFrom('kysely_migration' as never).select('name' as never).execute()).map((r) => (r as { name: string }).name);
  } catch {
    applied = [];
  }
  return { pending, unknown: applied.filter((name) => !(name in migrations)) };
}

/**
 * Serving on a schema the code does not match would fail in the middle of someone's booking; refuse
 * at start instead, and say what to do.
 */
export async function ensureSchema(db: Db, autoMigrate: boolean): Promise<void> {
  const state = await schemaState(db);
  if (state.unknown.length > 0) {
    throw new Error(`the database has migrations this version of Dockhand does not know (${state.unknown.join(', ')}): it was upgraded by a newer Dockhand. Run that version, or restore a backup.`);
  }
  if (state.pending.length === 0) return;
  if (!autoMigrate) {
    throw new Error(`the database schema is not current (pending: ${state.pending.join(', ')}). Run "dockhand migrate" once, then start the services.`);
  }
  await migrateToLatest(db);
}
