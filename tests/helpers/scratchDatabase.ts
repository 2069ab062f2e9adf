import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from '../../src/db/pgliteDialect.ts';
import { createFreshDatabase, testDatabaseServerUrl } from './testDatabase.ts';

/** A database of its own (PGlite in memory, or a fresh PostgreSQL database), without migrations: for tests of a migration. */
export async function scratchDatabase(): Promise<{ db: Kysely<unknown>; close(): Promise<void> }> {
  const serverUrl = testDatabaseServerUrl();
  if (!serverUrl) {
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(new PGlite(undefined, { parsers: { 20: Number } })) });
    return { db, close: () => db.destroy() };
  }
  const fresh = await createFreshDatabase(serverUrl);
  const pool = new pg.Pool({
    connectionString: fresh.url,
    max: 1,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    close: async () => {
      await db.destroy();
      await fresh.drop();
    },
  };
}
