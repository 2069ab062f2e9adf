/**
 * Builds one migrated embedded database per test run and saves it as a snapshot: a fresh PGlite
 * spends seconds in initdb, a restored snapshot well under one. Harnesses on PGlite start from it
 * (tests/helpers/pgliteTemplate.ts).
 */
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { PGliteDialect } from '../../src/db/pgliteDialect.ts';

export default async function setup(): Promise<() => void> {
  const pglite = new PGlite();
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const snapshot = await pglite.dumpDataDir('none');
  await db.destroy();
  const path = join(tmpdir(), `gatehouse-pglite-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await snapshot.arrayBuffer()));
  process.env.GATEHOUSE_TEST_PGLITE_TEMPLATE = path;
  return () => rmSync(path, { force: true });
}
