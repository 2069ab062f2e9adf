/**
 * Threat: a stolen, long-lived session removes the account's password (turning single sign-on,
 * which the attacker may control through a linked identity, into the only way in), while the
 * owner's other sessions carry on unaware. Rules: removing a way to sign in needs a recent
 * sign-in (ASVS 5.0 7.5.1), ends every other session (7.4.3) and mails the owner.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { PASSWORD, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg, flushMail } from '../helpers/orgFlows.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/**
 * A user who also signs in through an organization's identity provider, set up straight in the
 * database: the single sign-on flow has its own tests; this one needs only its result.
 */
async function ssoLinkedUser(): Promise<TestUser> {
  const user = await signUp(h);
  const slug = await createOrg(h, user);
  const db = h.gatehouse.deps.db;
  const now = h.gatehouse.deps.clock.now();
  const org = await db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  const issuer = `https://idp-${slug}.example.test`;
  await db.updateTable('orgs').set({ allowed_auth_methods: JSON.stringify(['password', 'oidc']) }).where('id', '=', org.id).execute();
  await db
    .insertInto('org_sso_configs')
    .values({ org_id: org.id, issuer, client_id: 'gatehouse', client_secret_sealed: 'v1.unused', verified_domains: JSON.stringify(['example.test']), created_at: now, updated_at: now })
    .execute();
  await db.insertInto('sso_identities').values({ issuer, subject: `sub-${user.id}`, user_id: user.id, created_at: now }).execute();
  return user;
}

const alive = async (token: string): Promise<boolean> => (await call(h, 'GET', '/v1/sessions/current', { token })).status === 200;

it('403 reauthentication_required from a session signed in over 15 minutes ago; the password stays', async () => {
  const user = await ssoLinkedUser();
  await h.advance(16 * 60);
  const refused = await call(h, 'DELETE', '/v1/me/password', { token: user.token });
  expect([refused.status, refused.body.code]).toEqual([403, 'reauthentication_required']);
  expect((await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).status).toBe(201);
});

it('a personal access token cannot remove the password', async () => {
  const user = await ssoLinkedUser();
  const pat = (await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } })).body.token as string;
  const refused = await call(h, 'DELETE', '/v1/me/password', { token: pat });
  expect([refused.status, refused.body.code]).toEqual([403, 'reauthentication_required']);
});

it('from a recent sign-in: 204, other sessions end, this one stays, the owner is mailed', async () => {
  const user = await ssoLinkedUser();
  const other = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
  const fresh = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
  expect((await call(h, 'DELETE', '/v1/me/password', { token: fresh })).status).toBe(204);
  expect(await alive(fresh)).toBe(true);
  expect(await alive(other)).toBe(false);
  expect(await alive(user.token)).toBe(false);
  expect((await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).status).toBe(401);
  await flushMail(h);
  expect(h.mail.filter((mail) => mail.to === user.email && /password was removed/.test(mail.subject))).toHaveLength(1);
});
