/**
 * Threat: a member deletes their last factor at the very moment an admin enforces MFA in
 * `remove` mode; each transaction reads the other's "before" state and the member ends up active
 * in an enforcing organization without MFA. Rule: the factor deletion share-locks the user's
 * organizations and enforcement locks the organization, so one of them sees the other.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signInWithMfa } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

it('never leaves an active member without MFA in an organization that enforces `remove`', async () => {
  for (let round = 0; round < 6; round += 1) {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const member = await signInWithMfa(h, await addMember(h, owner, slug, 'member', { mfa: true }));
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: member.token });
    const [enforced, deleted] = await Promise.all([
      call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove' } }),
      call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: member.token, body: { acknowledge_leaving_organizations: true } }),
    ]);
    expect(enforced.status).toBe(200);
    expect(deleted.status).toBe(204);
    const org = await h.gatehouse.deps.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    const membership = await h.gatehouse.deps.db.selectFrom('memberships').select('state').where('org_id', '=', org.id).where('user_id', '=', member.id).executeTakeFirstOrThrow();
    const remaining = await h.gatehouse.deps.db.selectFrom('mfa_factors').select('id').where('user_id', '=', member.id).where('confirmed_at', 'is not', null).execute();
    expect(remaining).toHaveLength(0);
    expect(membership.state).toBe('pending');
  }
});
