/**
 * Threat: every password guess and every MFA step notifies the access channel, so each one empties
 * cached entries on every instance and, on PostgreSQL, is held until every other instance has
 * acknowledged it — a sign-in waits on the slowest instance, and a stranger's wrong guesses keep
 * emptying the victim's cache. Rule (migration 009): updates of the failure counter and of a
 * factor's use marks alone notify nothing; any other change of those rows still does.
 * Runs on PGlite, or on a fresh PostgreSQL database with GATEHOUSE_TEST_DATABASE_URL.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ACCESS_CHANNEL } from '../../src/db/accessListener.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { PGliteDialect } from '../../src/db/pgliteDialect.ts';
import { createFreshDatabase, testDatabaseServerUrl } from '../helpers/testDatabase.ts';

let db: Kysely<unknown>;
let heard: string[] = [];
let close: () => Promise<void>;

beforeAll(async () => {
  const serverUrl = testDatabaseServerUrl();
  if (!serverUrl) {
    const pglite = new PGlite(undefined, { parsers: { 20: Number } });
    db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    await migrateToLatest(db);
    await pglite.listen(ACCESS_CHANNEL, (payload) => heard.push(payload));
    close = () => db.destroy();
  } else {
    const fresh = await createFreshDatabase(serverUrl);
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.url, max: 1 }) }) });
    await migrateToLatest(db);
    const listener = new pg.Client({ connectionString: fresh.url });
    await listener.connect();
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query(`listen ${ACCESS_CHANNEL}`);
    close = async () => {
      await listener.end();
      await db.destroy();
      await fresh.drop();
    };
  }
  await sql`insert into users (id, email, name, password_hash, created_at) values ('usr_q', 'q@example.test', null, 'x', now()), ('usr_fence', 'f@example.test', null, 'x', now())`.execute(db);
  await sql`insert into mfa_factors (id, user_id, type, name, secret_sealed, confirmed_at, created_at) values ('fac_q', 'usr_q', 'totp', 'app', 'v1.x.y', now(), now())`.execute(db);
  // The factor's insert notifies (as it should); with PostgreSQL that arrives after the commit: let it pass.
  await notifiedFor(async () => {});
});
afterAll(async () => {
  await close?.();
});

/** What the channel said about `usr_q` while `work` ran: a notifying write to another user after it fences the stream (commit order). */
async function notifiedFor(work: () => Promise<unknown>): Promise<string[]> {
  heard = [];
  await work();
  await sql`update users set name = ${`fence ${Math.random()}`} where id = 'usr_fence'`.execute(db);
  for (let waited = 0; !heard.includes('u:usr_fence') && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(heard).toContain('u:usr_fence');
  return heard.filter((payload) => payload !== 'u:usr_fence');
}

it('a guess counted or refunded notifies nothing', async () => {
  expect(await notifiedFor(() => sql`update users set failed_attempts = failed_attempts + 1, last_failed_at = now() where id = 'usr_q'`.execute(db))).toEqual([]);
  expect(await notifiedFor(() => sql`update users set failed_attempts = 0, last_failed_at = null where id = 'usr_q'`.execute(db))).toEqual([]);
});

it('a TOTP step or a passkey counter recorded notifies nothing', async () => {
  expect(await notifiedFor(() => sql`update mfa_factors set last_used_step = 12345, last_used_at = now(), sign_count = 7 where id = 'fac_q'`.execute(db))).toEqual([]);
});

it('any other change of the user or the factor still notifies, with or without the counters', async () => {
  expect(await notifiedFor(() => sql`update users set email = 'q2@example.test' where id = 'usr_q'`.execute(db))).toEqual(['u:usr_q']);
  expect(await notifiedFor(() => sql`update users set failed_attempts = 1, password_hash = 'y' where id = 'usr_q'`.execute(db))).toEqual(['u:usr_q']);
  expect(await notifiedFor(() => sql`update mfa_factors set confirmed_at = null, last_used_at = now() where id = 'fac_q'`.execute(db))).toEqual(['u:usr_q']);
  expect(await notifiedFor(() => sql`delete from mfa_factors where id = 'fac_q'`.execute(db))).toEqual(['u:usr_q']);
});
