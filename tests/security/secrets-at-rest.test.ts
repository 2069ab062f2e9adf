/**
 * Threat: a copy of the database (backup, replica, SQL injection elsewhere) must not yield
 * credentials. Rule: session and personal access tokens, invitation tokens and recovery codes
 * are stored only as SHA-256 hashes; TOTP secrets are encrypted with AES-256-GCM under a key
 * kept outside the database; passwords are argon2id.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

it('no token, code, secret or password appears anywhere in the database', async () => {
  const user = await mfaUser(h);
  const pat = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'x' } });
  const db = h.gatehouse.deps.db;
  const tables = ['users', 'sessions', 'personal_access_tokens', 'mfa_factors', 'recovery_codes', 'audit_events', 'outbox'];
  let dump = '';
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    dump += JSON.stringify(rows.rows);
  }
  const secrets = [user.token, pat.body.token, user.totpSecret!, ...user.recoveryCodes!, 'correct horse battery staple'];
  for (const secret of secrets) expect(dump).not.toContain(secret);
  const factor = await db.selectFrom('mfa_factors').select('secret_sealed').where('user_id', '=', user.id).executeTakeFirstOrThrow();
  expect(factor.secret_sealed).toMatch(/^v1\./);
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
});
