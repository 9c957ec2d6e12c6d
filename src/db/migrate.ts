import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { schemaOf, type Db } from './database.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_photos.js';
import * as m0003 from './migrations/0003_crew_offers.js';
import * as m0004 from './migrations/0004_jobs.js';

// Listed in code, not read from a folder, so the built package and the tests see the same set.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_photos': m0002,
  '0003_crew_offers': m0003,
  '0004_jobs': m0004,
};

/** Names 0.1.0 recorded, and what they are called now that the numbering has no gap. */
const renamed: Record<string, string> = { '0004_crew_offers': '0003_crew_offers' };

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or another
// installation's tables on the same server would be taken for this one's.
const migratorFor = (db: Db) => new Migrator({ db, provider, ...(schemaOf(db) ? { migrationTableSchema: schemaOf(db) } : {}) });

export const latestMigration = Object.keys(migrations).sort().at(-1)!;

const bookkeeping = (db: Db) => {
  const schema = schemaOf(db);
  return schema ? db.withSchema(schema) : db;
};

async function appliedNames(db: Db): Promise<string[]> {
  try {
    const rows = await bookkeeping(db).selectFrom('kysely_migration' as never).select('name' as never).execute();
    return rows.map((r) => (r as { name: string }).name);
  } catch {
    return []; // a new database: no bookkeeping table yet
  }
}

/** Brings 0.1.0's migration names to today's numbering before Kysely compares them with the code. */
async function renameLegacy(db: Db): Promise<void> {
  const applied = await appliedNames(db);
  for (const [old, current] of Object.entries(renamed)) {
    if (!applied.includes(old) || applied.includes(current)) continue;
    const schema = schemaOf(db);
    const table = schema ? sql.table(`${schema}.kysely_migration`) : sql.table('kysely_migration');
    await sql`update ${table} set name = ${current} where name = ${old}`.execute(db);
  }
}

export async function migrateToLatest(db: Db): Promise<void> {
  await renameLegacy(db);
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
  const applied = (await appliedNames(db)).map((name) => renamed[name] ?? name);
  const pending = Object.keys(migrations)
    .sort()
    .filter((name) => !applied.includes(name));
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
