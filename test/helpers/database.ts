import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * When TEST_DATABASE_URL is set (postgres://…), each Dockhand a test starts gets a fresh schema of its
 * own on that server, dropped again afterwards, so runs never collide; otherwise SQLite in a temp dir.
 */
export async function freshDatabaseUrl(
  base = process.env.TEST_DATABASE_URL,
  prefix = 't',
): Promise<{ url: string | undefined; schema: string | undefined; drop(): Promise<void> }> {
  if (!base) return { url: undefined, schema: undefined, drop: async () => {} };
  const schema = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** The PostgreSQL server every machine of this project runs (CI included); tests of PostgreSQL-only features use it. */
export const LOCAL_POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
