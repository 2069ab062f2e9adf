/**
 * Migration 008 on a database that already has users (PGlite, or a fresh PostgreSQL database with
 * GATEHOUSE_TEST_DATABASE_URL): existing accounts start unmarked, the two columns travel together,
 * and a reason outside `operator`/`blocklist` is refused by the database itself.
 */
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { expect, it } from 'vitest';
import { migrateToLatest, migrationsBefore } from '../../src/db/migrate.ts';
import { scratchDatabase } from '../helpers/scratchDatabase.ts';

it('adds the mark to a database with users: none is marked, and half a mark or an unknown reason is refused', async () => {
  const scratch = await scratchDatabase();
  try {
    const before = migrationsBefore('008_password_compromise');
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
