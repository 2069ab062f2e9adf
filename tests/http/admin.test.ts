/**
 * Plans are set by instance administrators only (GATEHOUSE_ADMIN_EMAILS), through
 * PUT /v1/admin/orgs/{slug}/plan. Anyone else — an organization's own owner included — gets 403
 * before anything is looked up, so the endpoint reveals neither organizations nor plans.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { auditActions, createOrg, uniqueSlug } from '../helpers/orgFlows.ts';

const adminEmail = uniqueEmail('operator');
let h: Harness;
let admin: TestUser;
let owner: TestUser;
let slug: string;
beforeAll(async () => {
  // Upper case in the configuration: administrators are matched case-insensitively.
  h = await startHarness({ env: { GATEHOUSE_ADMIN_EMAILS: `someone-else@example.test, ${adminEmail.toUpperCase()}` } });
  admin = await signUp(h, adminEmail);
  owner = await signUp(h);
  slug = await createOrg(h, owner);
});
afterAll(async () => {
  await h.close();
});

function setPlan(user: TestUser | null, org: string, body: unknown) {
  return call(h, 'PUT', `/v1/admin/orgs/${org}/plan`, { ...(user ? { token: user.token } : {}), body });
}

describe('PUT /v1/admin/orgs/{slug}/plan', () => {
  it('lets an instance administrator set a plan without being a member, audited as org.edit', async () => {
    const response = await setPlan(admin, slug, { plan: 'free' });
    expect(response.status).toBe(200);
    expect(response.body.org).toMatchObject({ slug, plan: 'free' });
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: owner.token })).body.org.plan).toBe('free');
    const [event] = await auditActions(h, owner, slug, '?action=org.edit');
    expect(event).toMatchObject({ actor: admin.id, data: { changes: { plan: ['team', 'free'] } } });

    expect((await setPlan(admin, slug, { plan: 'enterprise' })).body.org.plan).toBe('enterprise');
    // Setting the plan it already has changes nothing and records nothing.
    expect((await setPlan(admin, slug, { plan: 'enterprise' })).status).toBe(200);
    expect(await auditActions(h, owner, slug, '?action=org.edit')).toHaveLength(2);
  });

  it('refuses everyone else with 403 forbidden, the owner included, before looking at plan or organization', async () => {
    for (const [body, org] of [
      [{ plan: 'business' }, slug],
      [{ plan: 'no-such-plan' }, slug],
      [{ plan: 'business' }, uniqueSlug('missing')],
    ] as const) {
      const refused = await setPlan(owner, org, body);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: owner.token })).body.org.plan).not.toBe('business');
    expect((await setPlan(null, slug, { plan: 'business' })).status).toBe(401);
  });

  it('answers 400 naming plan for an unknown plan, 404 for an unknown organization', async () => {
    const unknownPlan = await setPlan(admin, slug, { plan: 'platinum' });
    expect(unknownPlan.status).toBe(400);
    expect(unknownPlan.body.code).toBe('invalid_request');
    expect(unknownPlan.body.errors.map((error: { field: string }) => error.field)).toEqual(['plan']);
    const missing = await setPlan(admin, uniqueSlug('missing'), { plan: 'team' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  it.each([
    ['a missing plan', {}, 'plan'],
    ['an unknown field', { plan: 'team', seats: 10 }, 'seats'],
    ['a plan that is not a string', { plan: 3 }, 'plan'],
  ])('rejects %s with 400 naming the field', async (_label, body, field) => {
    const response = await setPlan(admin, slug, body);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
