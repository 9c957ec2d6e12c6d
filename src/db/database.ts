import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { ensurePrivateFile } from '../config/private.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Anything a query can run on: the pool or an open transaction. */
export type Queryable = Db | Tx;

export interface DatabaseHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const { connectionString, schema } = splitSchema(options.databaseUrl);
    // A schema in the URL (?schema=name) keeps installations, or test runs, apart on one database.
    const pool = new pg.Pool({ connectionString, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    pool.on('connect', preparedOnce);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    postgresSchemas.set(db, schema ?? 'public');
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const dir = resolve(options.dataDir);
  mkdirSync(dir, { recursive: true });
  // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
  const file = join(dir, 'dockhand.sqlite');
  ensurePrivateFile(file);
  for (const extra of ['-wal', '-shm', '-journal']) if (existsSync(file + extra)) ensurePrivateFile(file + extra);
  const sqlite = new SQLite(file);
  // WAL lets readers (CLI status, a second process) work while the server writes; the busy timeout
  // makes a second writer wait its turn instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  cachePrepared(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Each distinct SQL text is prepared once per connection: Kysely asks for a statement per query, and
 * parsing and planning the same few dozen statements again is most of what a small query costs.
 */
function cachePrepared(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const statements = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      statement = prepare(source);
      // Queries built from lists (`in (?, ?, …)`) vary in length: keep the cache bounded.
      if (statements.size >= 1000) statements.delete(statements.keys().next().value!);
      statements.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/** On PostgreSQL the same, as named prepared statements, which pg parses once per connection. */
function preparedOnce(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<unknown>;
  const names = new Map<string, string>();
  (client as unknown as { query: unknown }).query = (config: unknown, values?: unknown) => {
    if (typeof config !== 'string' || !Array.isArray(values) || config.length > 4000) return query(config, values);
    let name = names.get(config);
    if (!name) {
      if (names.size >= 1000) return query(config, values);
      name = `dh_${createHash('sha1').update(config).digest('hex').slice(0, 24)}`;
      names.set(config, name);
    }
    return query({ name, text: config, values });
  };
}

const postgresSchemas = new WeakMap<Db, string>();

/** The PostgreSQL schema a handle works in (undefined for SQLite): migrations keep their own tables there. */
export const schemaOf = (db: Db): string | undefined => postgresSchemas.get(db);

export function splitSchema(databaseUrl: string): { connectionString: string; schema: string | undefined } {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be lower-case letters, digits and underscores`);
  }
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}

/** True for a UNIQUE or PRIMARY KEY violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
