import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg, invite, uniqueSlug } from '../helpers/orgFlows.ts';
import { accessOf, auditEvents, enforce, mailTo, membershipRow, REJOIN_SUBJECT, stopEnforcing } from './enforcementFlows.ts';

/**
 * Members who lose MFA after enforcement is on (DELETE /v1/me/mfa/factors/{id}):
 * Mackerel — an owner of an organization requiring MFA cannot drop their last factor;
 * DNSimple — a member who does is removed from every organization that enforces MFA (after
 * acknowledging it), while organizations that do not enforce it are untouched.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function factorIds(user: TestUser): Promise<string[]> {
  const listed = await call(h, 'GET', '/v1/me/mfa', { token: user.token });
  return listed.body.factors.map((factor: { id: string }) => factor.id);
}

function deleteFactor(user: TestUser, factorId: string, body: Record<string, unknown> = {}) {
  return call(h, 'DELETE', `/v1/me/mfa/factors/${factorId}`, { token: user.token, body });
}

describe('an owner cannot drop their last factor while their organization requires MFA (Mackerel)', () => {
  it('409 mfa_required_by_organization naming the organization as { slug, name }, acknowledged or not', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    expect((await enforce(h, owner, slug)).status).toBe(200);
    const [factorId] = await factorIds(owner);

    for (const body of [{}, { acknowledge_leaving_organizations: true }]) {
      const refused = await deleteFactor(owner, factorId!, body);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('mfa_required_by_organization');
      expect(refused.body.organizations).toEqual([{ slug, name: `Org ${slug}` }]);
    }
    expect(await factorIds(owner)).toEqual([factorId]);

    // Turning enforcement off lifts the restriction (Mackerel: "these restrictions can be avoided").
    expect((await stopEnforcing(h, owner, slug)).status).toBe(200);
    expect((await deleteFactor(owner, factorId!)).status).toBe(204);
  });
});

describe('a member who drops MFA leaves the organizations that enforce it (DNSimple)', () => {
  it('asks first (would_leave_organizations), then applies each organization’s action and leaves the others alone', async () => {
    const owner = await mfaUser(h);
    const refuseOrg = await createOrg(h, owner, uniqueSlug('a-refuse'));
    const removeOrg = await createOrg(h, owner, uniqueSlug('b-remove'));
    const blockOrg = await createOrg(h, owner, uniqueSlug('c-block'));
    const plainOrg = await createOrg(h, owner, uniqueSlug('d-plain'));
    const member = await mfaUser(h);
    for (const [slug, role] of [[refuseOrg, 'manager'], [removeOrg, 'admin'], [blockOrg, 'member'], [plainOrg, 'member']] as const) {
      const joined = await addMemberWithMfa(owner, slug, role, member);
      expect(joined).toBe(200);
    }
    expect((await enforce(h, owner, refuseOrg)).status).toBe(200);
    expect((await enforce(h, owner, removeOrg, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).status).toBe(200);
    expect((await enforce(h, owner, blockOrg, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    const [factorId] = await factorIds(member);

    const asked = await deleteFactor(member, factorId!);
    expect(asked.status).toBe(409);
    expect(asked.body.code).toBe('would_leave_organizations');
    expect(asked.body.organizations).toEqual([refuseOrg, removeOrg, blockOrg].map((slug) => ({ slug, name: `Org ${slug}` })));
    expect(await factorIds(member)).toEqual([factorId]);
    expect((await accessOf(h, member, refuseOrg)).allowed).toBe(true);

    const dropped = await deleteFactor(member, factorId!, { acknowledge_leaving_organizations: true });
    expect(dropped.status).toBe(204);

    // refuse and remove: moved to pending, mailed the rejoin link, audited.
    for (const [slug, role] of [[refuseOrg, 'manager'], [removeOrg, 'admin']] as const) {
      expect(await accessOf(h, member, slug)).toMatchObject({ allowed: false, code: 'membership_pending' });
      expect(await membershipRow(h, slug, member.id)).toMatchObject({ state: 'pending', role });
      expect(await auditEvents(h, slug, 'member.pending')).toEqual([
        expect.objectContaining({ actor_id: member.id, target_id: member.id, data: expect.objectContaining({ reason: 'factor_deleted', role }) }),
      ]);
    }
    const rejoinMails = await mailTo(h, member.email, REJOIN_SUBJECT);
    expect(rejoinMails.map((mail) => /\/orgs\/([^/]+)\/rejoin/.exec(mail.text)?.[1]).sort()).toEqual([refuseOrg, removeOrg]);
    // block: still a member, refused until they enroll again.
    expect(await accessOf(h, member, blockOrg)).toMatchObject({ allowed: false, code: 'mfa_enrollment_required' });
    expect(await membershipRow(h, blockOrg, member.id)).toMatchObject({ state: 'active' });
    // Not enforcing: untouched.
    expect(await accessOf(h, member, plainOrg)).toMatchObject({ allowed: true, role: 'member' });
    expect(await auditEvents(h, plainOrg, 'member.pending')).toEqual([]);

    // Enrolling again: the block organization lets them in at once; the others need a reinstatement.
    const enrolled = await enrollTotp(h, member);
    expect(await accessOf(h, enrolled, blockOrg)).toMatchObject({ allowed: true });
    const back = await call(h, 'POST', `/v1/orgs/${removeOrg}/reinstate`, { token: enrolled.token });
    expect(back.body).toEqual({ role: 'admin' });
  });

  it('dropping one of two factors changes nothing in any organization', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const member = await mfaUser(h);
    expect(await addMemberWithMfa(owner, slug, 'member', member)).toBe(200);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).status).toBe(200);
    const second = await enrollTotp(h, member);
    const [first] = await factorIds(second);
    expect((await deleteFactor(second, first!)).status).toBe(204);
    expect(await accessOf(h, second, slug)).toMatchObject({ allowed: true });
    expect(await auditEvents(h, slug, 'member.pending')).toEqual([]);
  });

  it('the owner of one organization is refused even when only a member elsewhere', async () => {
    const owner = await mfaUser(h);
    const owned = await createOrg(h, owner);
    const other = await mfaUser(h);
    const elsewhere = await createOrg(h, other);
    expect(await addMemberWithMfa(other, elsewhere, 'member', owner)).toBe(200);
    expect((await enforce(h, owner, owned)).status).toBe(200);
    expect((await enforce(h, other, elsewhere, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).status).toBe(200);
    const [factorId] = await factorIds(owner);
    const refused = await deleteFactor(owner, factorId!, { acknowledge_leaving_organizations: true });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('mfa_required_by_organization');
    expect(refused.body.organizations).toEqual([{ slug: owned, name: `Org ${owned}` }]);
    expect(await membershipRow(h, elsewhere, owner.id)).toMatchObject({ state: 'active' });
  });
});

/** Joins an existing MFA user to `slug` through the invitation flow; returns the accept status. */
async function addMemberWithMfa(inviter: TestUser, slug: string, role: 'owner' | 'admin' | 'manager' | 'member', user: TestUser): Promise<number> {
  const { token } = await invite(h, inviter, slug, user.email, role);
  return (await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: user.token })).status;
}
