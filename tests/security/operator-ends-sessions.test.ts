/**
 * Threat: an account is known to be compromised (or the whole instance is suspect) and nobody
 * can throw the intruder out: sessions live up to 24 hours, tokens up to their expiry. Rule
 * (ASVS 5.0 7.4.5): operators end every session of one user — and revoke that user's personal
 * access tokens — or every session of all users, with `gatehouse users sign-out EMAIL | --all`
 * (a subprocess here, against the database a server wrote); it is audited.
 */
import { expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { PASSWORD, signUp, type TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { operatorWorld } from '../helpers/operatorWorld.ts';

const { gatehouse, withServer } = operatorWorld('signout');

interface Seeded {
  target: TestUser & { second: string; pat: string };
  bystander: TestUser & { pat: string };
}

async function seed(h: Harness): Promise<Seeded> {
  const target = await signUp(h);
  const second = (await call(h, 'POST', '/v1/sessions', { body: { email: target.email, password: PASSWORD } })).body.token as string;
  const pat = (await call(h, 'POST', '/v1/me/tokens', { token: target.token, body: { name: 'ci' } })).body.token as string;
  const bystander = await signUp(h);
  const bystanderPat = (await call(h, 'POST', '/v1/me/tokens', { token: bystander.token, body: { name: 'ci' } })).body.token as string;
  return { target: { ...target, second, pat }, bystander: { ...bystander, pat: bystanderPat } };
}

const works = async (h: Harness, token: string): Promise<boolean> => (await call(h, 'GET', '/v1/orgs', { token })).status === 200;

it('users sign-out EMAIL ends that user’s sessions and tokens, and no one else’s; audited', async () => {
  const { target, bystander } = await withServer(seed);
  const run = await gatehouse(['users', 'sign-out', target.email.toUpperCase()]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('ended 2 sessions');
  expect(run.stdout).toContain('revoked 1 personal access token');
  await withServer(async (h) => {
    for (const token of [target.token, target.second, target.pat]) expect(await works(h, token)).toBe(false);
    for (const token of [bystander.token, bystander.pat]) expect(await works(h, token)).toBe(true);
    const event = await h.gatehouse.deps.db.selectFrom('audit_events').select(['action', 'actor_id', 'data']).where('target_id', '=', target.id).where('action', '=', 'user.sessions_revoke').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ actor_id: null, data: { sessions: 2, tokens: 1 } });
    // Signing in again works: the account is not locked, only its old credentials are gone.
    expect((await call(h, 'POST', '/v1/sessions', { body: { email: target.email, password: PASSWORD } })).status).toBe(201);
  });
}, 120_000);

it('users sign-out --all ends every session of every user (tokens stay)', async () => {
  const { target, bystander } = await withServer(seed);
  const run = await gatehouse(['users', 'sign-out', '--all']);
  expect(run.code, run.stderr).toBe(0);
  await withServer(async (h) => {
    for (const token of [target.token, target.second, bystander.token]) expect(await works(h, token)).toBe(false);
    expect(await works(h, bystander.pat)).toBe(true);
    expect(await h.gatehouse.deps.db.selectFrom('audit_events').select('id').where('action', '=', 'instance.sessions_revoke').execute()).toHaveLength(1);
  });
}, 120_000);

it('an unknown email exits 1; a wrong form exits 2', async () => {
  expect((await gatehouse(['users', 'sign-out', 'nobody@example.test'])).code).toBe(1);
  expect((await gatehouse(['users', 'sign-out'])).code).toBe(2);
  expect((await gatehouse(['users', 'sign-out', '--everyone'])).code).toBe(2);
  expect((await gatehouse(['users', 'sign-out', 'a@example.test', 'b@example.test'])).code).toBe(2);
}, 60_000);
