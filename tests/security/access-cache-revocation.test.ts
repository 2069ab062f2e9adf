import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg, uniqueSlug } from '../helpers/orgFlows.ts';

/**
 * Threat: the hot path keeps credentials and access facts in memory (src/db/accessCache.ts). If
 * an entry outlived the change that ended it, a signed-out token, a member moved to pending or
 * a deleted factor would keep working from the cache. Every case below first makes sure the
 * entry IS cached (the request before the change is answered without the database), then
 * changes it, and expects the very next request to see the change — on PGlite, and on PostgreSQL,
 * where the connection that commits a change receives its own notification before the commit
 * returns. (Several instances on one PostgreSQL: tests/concurrency/access-cache-two-instances.test.ts.)
 */
let h: Harness;
let owner: TestUser;
let statements = 0;

beforeAll(async () => {
  // On PostgreSQL the cache is off unless turned on (GATEHOUSE_ACCESS_CACHE); this is its test.
  h = await startHarness({ env: { GATEHOUSE_ACCESS_CACHE: 'on' } });
  const executor = Object.getPrototypeOf(h.gatehouse.deps.db.getExecutor()) as { executeQuery: (...args: unknown[]) => Promise<unknown> };
  const original = executor.executeQuery;
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return original.apply(this, args);
  };
  owner = await mfaUser(h);
});

afterAll(async () => {
  await h?.close();
});

/** GET /access twice; the second answer must come from the cache, or the test proves nothing. */
async function cachedAccess(user: TestUser, slug: string): Promise<any> {
  expect(h.gatehouse.deps.accessCache?.listening).toBe(true);
  await call(h, 'GET', `/v1/orgs/${slug}/access`, { token: user.token });
  statements = 0;
  const answer = await call(h, 'GET', `/v1/orgs/${slug}/access`, { token: user.token });
  expect(statements, 'the second request should be answered from the cache').toBe(0);
  return answer;
}

async function access(user: TestUser, slug: string): Promise<{ status: number; body: any }> {
  return call(h, 'GET', `/v1/orgs/${slug}/access`, { token: user.token });
}

describe('a change ends what the cache holds, at once', () => {
  it('signing out: the token answers 401 on the next request', async () => {
    const slug = await createOrg(h, owner, uniqueSlug());
    const user = await signUp(h);
    await addMember(h, owner, slug, 'member');
    const own = await createOrg(h, user, uniqueSlug());
    expect((await cachedAccess(user, own)).status).toBe(200);
    expect((await call(h, 'DELETE', '/v1/sessions/current', { token: user.token })).status).toBe(204);
    expect((await access(user, own)).body.code).toBe('unauthenticated');
  });

  it('an operator revoking sessions in SQL, around the application: 401 on the next request', async () => {
    const user = await signUp(h);
    const slug = await createOrg(h, user, uniqueSlug());
    expect((await cachedAccess(user, slug)).status).toBe(200);
    await h.gatehouse.deps.db.updateTable('sessions').set({ revoked_at: h.gatehouse.deps.clock.now() }).where('user_id', '=', user.id).execute();
    expect((await access(user, slug)).status).toBe(401);
  });

  it('enforcement `remove`: the member is pending on the next request', async () => {
    const slug = await createOrg(h, owner, uniqueSlug());
    const member = await addMember(h, owner, slug, 'member');
    expect((await cachedAccess(member, slug)).body.allowed).toBe(true);
    const enforced = await call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove' } });
    expect(enforced.status).toBe(200);
    const answer = await access(member, slug);
    expect(answer.body.allowed).toBe(false);
    expect(answer.body.code).toBe('membership_pending');
  });

  it('enforcement `block`: a member without a factor is refused on the next request', async () => {
    const slug = await createOrg(h, owner, uniqueSlug());
    const member = await addMember(h, owner, slug, 'member');
    expect((await cachedAccess(member, slug)).body.allowed).toBe(true);
    expect((await call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } })).status).toBe(200);
    expect((await access(member, slug)).body.code).toBe('mfa_enrollment_required');
  });

  it('deleting the last factor: refused on the next request', async () => {
    const slug = await createOrg(h, owner, uniqueSlug());
    const member = await addMember(h, owner, slug, 'member', { mfa: true });
    expect((await call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } })).status).toBe(200);
    expect((await cachedAccess(member, slug)).body.allowed).toBe(true);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: member.token });
    const deleted = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: member.token, body: { acknowledge_leaving_organizations: true } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect((await access(member, slug)).body.code).toBe('mfa_enrollment_required');
  });

  it('removing the member: 404 on the next request', async () => {
    const slug = await createOrg(h, owner, uniqueSlug());
    const member = await addMember(h, owner, slug, 'member');
    expect((await cachedAccess(member, slug)).status).toBe(200);
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token })).status).toBe(204);
    expect((await access(member, slug)).status).toBe(404);
  });
});
