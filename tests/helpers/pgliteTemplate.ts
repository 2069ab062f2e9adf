import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { AccessCache } from '../../src/db/accessCache.ts';
import { listenOnPglite } from '../../src/db/accessListener.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { OpenDatabase } from '../../src/db/openDatabase.ts';
import { PGliteDialect } from '../../src/db/pgliteDialect.ts';
import type { Database } from '../../src/db/schema.ts';

const INT8_OID = 20;
let template: Blob | null = null;

/**
 * An in-memory embedded database restored from the run's migrated snapshot (built by
 * tests/setup/pgliteTemplate.global.ts), with the same dialect and parsers as production.
 */
export async function openTemplateDatabase(): Promise<OpenDatabase> {
  const path = process.env.GATEHOUSE_TEST_PGLITE_TEMPLATE;
  if (path && !template) template = new Blob([readFileSync(path)]);
  const pglite = new PGlite({ ...(template ? { loadDataDir: template } : {}), parsers: { [INT8_OID]: (value: string) => Number(value) } });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  // A no-op on the snapshot; it still proves the snapshot is at the latest migration.
  await migrateToLatest(db as Kysely<unknown>);
  // The access cache as the server runs it (src/db/openDatabase.ts), so tests exercise its invalidation.
  const accessCache = new AccessCache();
  const listener = await listenOnPglite(pglite, accessCache);
  return {
    db,
    kind: 'pglite',
    accessCache,
    close: async () => {
      await listener.close();
      await db.destroy();
    },
  };
}
