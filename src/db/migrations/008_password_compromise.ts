import { sql, type Kysely } from 'kysely';

// Evidence that a user's password is compromised (NIST SP 800-63B-4 §3.1.1.2: force a change):
// when it was recorded and why (`operator`: `gatehouse users password-compromised`; `blocklist`:
// a sign-in found the password on today's blocklist). While set, credentials resting on the
// password can only change it (src/core/accountRestriction.ts); setting a new password, or
// removing it, clears both. Plain columns and a CHECK: PostgreSQL 15 and PGlite alike.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column password_compromised_at timestamptz`.execute(db);
  await sql`alter table users add column password_compromise_reason text`.execute(db);
  // `coalesce`: a CHECK passes on NULL, and `null in (…)` is NULL — half a mark must not slip through.
  await sql`
    alter table users add constraint users_password_compromise_check check (
      (password_compromised_at is null and password_compromise_reason is null)
      or (password_compromised_at is not null and coalesce(password_compromise_reason in ('operator', 'blocklist'), false))
    )`.execute(db);
}
