import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freshDatabaseUrl } from '../../test/helpers/database.js';

/** The PostgreSQL server of every machine of this project; BENCH_DATABASE_URL or TEST_DATABASE_URL override it. */
export const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${POSTGRES_URL} not reachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema of this run's own, made as the tests make theirs; `url` carries ?schema= as Dockhand's DATABASE_URL understands it. */
export async function freshSchema(prefix: string): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const fresh = await freshDatabaseUrl(POSTGRES_URL, prefix);
  return { schema: fresh.schema!, url: fresh.url!, drop: fresh.drop };
}

/** A fresh database of this run's own (DBOS wants a database to itself). */
export async function freshDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
