/**
 * Migration 008 on a database that already has users (PGlite, or a fresh PostgreSQL database with
 * GATEHOUSE_TEST_DATABASE_URL): existing accounts start unmarked, the two columns travel together,
 * and a reason outside `operator`/`blocklist` is refused by the database itself.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import * as initial from '../../src/db/migrations/001_initial.ts';
import * as sshCertificates from '../../src/db/migrations/002_ssh_certificates.ts';
import * as oidc from '../../src/db/migrations/003_oidc.ts';
import * as auditChain from '../../src/db/migrations/004_audit_chain.ts';
import * as accessNotifications from '../../src/db/migrations/005_access_notifications.ts';
import * as mailThrottles from '../../src/db/migrations/006_mail_throttles.ts';
import { PGliteDialect } from '../../src/db/pgliteDialect.ts';
import { createFreshDatabase, testDatabaseServerUrl } from '../helpers/testDatabase.ts';

/** A database of its own, without migrations. */
async function scratchDatabase(): Promise<{ db: Kysely<unknown>; close(): Promise<void> }> {
  const serverUrl = testDatabaseServerUrl();
  if (!serverUrl) {
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(new PGlite(undefined, { parsers: { 20: Number } })) });
    return { db, close: () => db.destroy() };
  }
  const fresh = await createFreshDatabase(serverUrl);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.url, max: 1 }) }) });
  return {
    db,
    close: async () => {
      await db.destroy();
      await fresh.drop();
    },
  };
}

it('adds the mark to a database with users: none is marked, and half a mark or an unknown reason is refused', async () => {
  const scratch = await scratchDatabase();
  try {
    const before = {
      '001_initial': initial,
      '002_ssh_certificates': sshCertificates,
      '003_oidc': oidc,
      '004_audit_chain': auditChain,
      '005_access_notifications': accessNotifications,
      '006_mail_throttles': mailThrottles,
    };
    const { error } = await new Migrator({ db: scratch.db, provider: { getMigrations: async () => before } }).migrateToLatest();
    if (error) throw error;
    await sql`insert into users (id, email, name, password_hash, created_at) values ('usr_old', 'old@example.test', null, 'x', now())`.execute(scratch.db);

    await migrateToLatest(scratch.db);

    const { rows } = await sql<{ at: Date | null; reason: string | null }>`select password_compromised_at as at, password_compromise_reason as reason from users`.execute(scratch.db);
    expect(rows).toEqual([{ at: null, reason: null }]);
    await sql`update users set password_compromised_at = now(), password_compromise_reason = 'operator'`.execute(scratch.db);
    await expect(sql`update users set password_compromise_reason = null`.execute(scratch.db)).rejects.toThrow(/users_password_compromise_check/);
    await expect(sql`update users set password_compromise_reason = 'rumour'`.execute(scratch.db)).rejects.toThrow(/users_password_compromise_check/);
    await expect(sql`update users set password_compromised_at = null`.execute(scratch.db)).rejects.toThrow(/users_password_compromise_check/);
    await sql`update users set password_compromised_at = null, password_compromise_reason = null`.execute(scratch.db);
  } finally {
    await scratch.close();
  }
});
