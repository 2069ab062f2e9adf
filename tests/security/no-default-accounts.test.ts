/**
 * Threat: a fresh installation ships with a known account ("admin"/"admin", "root") that someone
 * finds before the operator does. Rule (ASVS 5.0 6.3.2): Gatehouse creates no account of its
 * own. Instance administrators are named by GATEHOUSE_ADMIN_EMAILS, which creates nothing: the
 * person signs up like anyone else (and the first to sign up with that email is that person).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_ADMIN_EMAILS: 'admin@example.test' } });
});
afterAll(async () => {
  await h?.close();
});

it('a new instance has no users, sessions or tokens', async () => {
  const db = h.gatehouse.deps.db;
  for (const table of ['users', 'sessions', 'personal_access_tokens', 'mfa_factors'] as const) {
    const rows = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    expect([table, Number(rows.count)]).toEqual([table, 0]);
  }
});

it.each([
  ['admin@example.test', 'admin'],
  ['admin@example.test', 'password'],
  ['root', 'root'],
  ['admin', 'admin'],
  ['gatehouse@localhost', 'gatehouse'],
])('no sign-in as %s / %s', async (email, password) => {
  const response = await call(h, 'POST', '/v1/sessions', { body: { email, password } });
  expect([response.status, response.body.code]).toEqual([401, 'invalid_credentials']);
});
