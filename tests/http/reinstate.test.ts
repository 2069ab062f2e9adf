import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, PASSWORD, signInWithMfa, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { accessOf, auditEvents, enforce, longLived, mailTo, membershipRow, REJOIN_SUBJECT, stopEnforcing } from './enforcementFlows.ts';

/**
 * Sentry's "Require 2FA": non-compliant members are moved to pending (no access, no
 * notifications), get "Mandatory: Enable Two-Factor Authentication" with a rejoin link, and can
 * reinstate themselves with their previous role within three months — not after.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function reinstate(h: Harness, user: TestUser, slug: string) {
  return call(h, 'POST', `/v1/orgs/${slug}/reinstate`, { token: user.token });
}

async function passwordSession(h: Harness, user: TestUser): Promise<TestUser> {
  const session = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  return { ...user, token: session.body.token };
}

describe('remove: members without MFA move to pending', () => {
  it('moves them, mails them the rejoin link, and audits member.pending and org.edit', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager');
    const compliant = await addMember(h, owner, slug, 'member', { mfa: true });

    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.pending).toEqual([{ user_id: manager.id, email: manager.email, role: 'manager' }]);
    expect(enabled.body.compliance).toEqual({ total: 2, compliant: 2, noncompliant: [] });

    const [mail, ...more] = await mailTo(h, manager.email, REJOIN_SUBJECT);
    expect(more).toEqual([]);
    expect(mail!.text).toContain(`http://gatehouse.test/orgs/${slug}/rejoin`);
    expect(await mailTo(h, compliant.email, REJOIN_SUBJECT)).toEqual([]);

    const pendingEvents = await auditEvents(h, slug, 'member.pending');
    expect(pendingEvents).toEqual([expect.objectContaining({ actor_id: owner.id, target_id: manager.id, data: expect.objectContaining({ role: 'manager' }) })]);
    const [edit] = await auditEvents(h, slug, 'org.edit');
    expect(edit?.data.changes).toEqual({ mfa_required: [false, true], noncompliant_action: ['refuse', 'remove'] });

    // Pending: no access anywhere, and the answer says until when they can come back.
    const refused = await call(h, 'GET', `/v1/orgs/${slug}`, { token: manager.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('membership_pending');
    expect(Date.parse(refused.body.reinstate_until)).toBeGreaterThan(Date.now());
    expect(await accessOf(h, manager, slug)).toMatchObject({ allowed: false, code: 'membership_pending' });
    const row = await membershipRow(h, slug, manager.id);
    expect(row).toMatchObject({ state: 'pending', role: 'manager' });
    expect(row!.reinstate_until!.getTime() - row!.pending_since!.getTime()).toBe(90 * 86_400_000);
  });
});

describe('POST /v1/orgs/{slug}/reinstate', () => {
  it('restores the previous role once the member has MFA and signed in with it', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager');
    const aal1 = await longLived(h, manager);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(1);

    const noFactor = await reinstate(h, manager, slug);
    expect(noFactor.status).toBe(403);
    expect(noFactor.body.code).toBe('mfa_enrollment_required');

    const enrolled = await enrollTotp(h, manager);
    // A token minted before enrolling never proved the factor.
    const notVerified = await reinstate(h, aal1, slug);
    expect(notVerified.status).toBe(403);
    expect(notVerified.body.code).toBe('mfa_step_up_required');

    const back = await reinstate(h, enrolled, slug);
    expect(back.status).toBe(200);
    expect(back.body).toEqual({ role: 'manager' });
    expect(await accessOf(h, enrolled, slug)).toMatchObject({ allowed: true, role: 'manager' });
    expect(await auditEvents(h, slug, 'member.reinstate')).toEqual([expect.objectContaining({ actor_id: manager.id, target_id: manager.id, data: { role: 'manager' } })]);

    const again = await reinstate(h, enrolled, slug);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('not_pending');
  });

  it('404 for a non-member, 409 not_pending for an active member', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const outsider = await mfaUser(h);
    const notMember = await reinstate(h, outsider, slug);
    expect(notMember.status).toBe(404);
    expect(notMember.body.code).toBe('not_found');
    const active = await reinstate(h, owner, slug);
    expect(active.status).toBe(409);
    expect(active.body.code).toBe('not_pending');
    expect((await call(h, 'POST', `/v1/orgs/${slug}/reinstate`, { token: owner.token, body: { role: 'owner' } })).status).toBe(400);
  });

  it('within 90 days works; after 90 days it is 410 reinstatement_expired, MFA or not (test clock)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const early = await addMember(h, owner, slug, 'admin');
    const late = await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(2);

    await h.advance(89 * 86_400);
    const earlyEnrolled = await enrollTotp(h, await passwordSession(h, early));
    const back = await reinstate(h, earlyEnrolled, slug);
    expect(back.status).toBe(200);
    expect(back.body.role).toBe('admin');

    await h.advance(2 * 86_400);
    const lateEnrolled = await enrollTotp(h, await passwordSession(h, late));
    const expired = await reinstate(h, lateEnrolled, slug);
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('reinstatement_expired');
    // Expired before anything purged the row: the stored deadline decides, and access says not_found.
    expect((await membershipRow(h, slug, late.id))?.state).toBe('pending');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/access`, { token: lateEnrolled.token })).status).toBe(404);
  });

  it('needs no factor once the organization stops requiring MFA', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'manager');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(1);
    expect((await stopEnforcing(h, owner, slug)).status).toBe(200);
    // Stopping does not bring pending members back by itself (Scaleway, Sentry)…
    expect((await accessOf(h, plain, slug)).code).toBe('membership_pending');
    // …but they may now come back without MFA.
    const back = await reinstate(h, plain, slug);
    expect(back.status).toBe(200);
    expect(back.body.role).toBe('manager');
  });
});

describe('POST /v1/orgs/{slug}/members/{user_id}/resend-invite', () => {
  it('re-sends the rejoin mail to a pending member (managers and above), audited as member.rejoin_invite', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager', { mfa: true });
    const plain = await addMember(h, owner, slug, 'member');
    const active = await addMember(h, owner, slug, 'member', { mfa: true });
    const outsider = await signUp(h);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(1);

    const resent = await call(h, 'POST', `/v1/orgs/${slug}/members/${plain.id}/resend-invite`, { token: manager.token });
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({});
    const mails = await mailTo(h, plain.email, REJOIN_SUBJECT);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain(`http://gatehouse.test/orgs/${slug}/rejoin`);
    expect(await auditEvents(h, slug, 'member.rejoin_invite')).toEqual([expect.objectContaining({ actor_id: manager.id, target_id: plain.id })]);

    const notPending = await call(h, 'POST', `/v1/orgs/${slug}/members/${active.id}/resend-invite`, { token: manager.token });
    expect(notPending.status).toBe(409);
    expect(notPending.body.code).toBe('not_pending');
    const notMember = await call(h, 'POST', `/v1/orgs/${slug}/members/${outsider.id}/resend-invite`, { token: manager.token });
    expect(notMember.status).toBe(404);
    const forbidden = await call(h, 'POST', `/v1/orgs/${slug}/members/${plain.id}/resend-invite`, { token: active.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    expect(await mailTo(h, plain.email, REJOIN_SUBJECT)).toHaveLength(2);
  });

  it('404 once the 90 days are over', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(1);
    await h.advance(91 * 86_400);
    const fresh = await signInWithMfa(h, owner);
    const gone = await call(h, 'POST', `/v1/orgs/${slug}/members/${plain.id}/resend-invite`, { token: fresh.token });
    expect(gone.status).toBe(404);
  });
});

describe('concurrency', () => {
  it('two concurrent PUT remove requests move each member once: one member.pending event and one mail each', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const admin = await addMember(h, owner, slug, 'admin', { mfa: true });
    const members: TestUser[] = [];
    for (let i = 0; i < 5; i += 1) members.push(await addMember(h, owner, slug, 'member'));

    const body = { confirm: 'ENFORCE', noncompliant_action: 'remove' };
    const [a, b] = await Promise.all([enforce(h, owner, slug, body), enforce(h, admin, slug, body)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const moved = [...a.body.pending, ...b.body.pending].map((person: { user_id: string }) => person.user_id).sort();
    expect(moved).toEqual(members.map((member) => member.id).sort());

    const events = await auditEvents(h, slug, 'member.pending');
    expect(events.map((event) => event.target_id).sort()).toEqual(moved);
    for (const member of members) expect(await mailTo(h, member.email, REJOIN_SUBJECT), member.email).toHaveLength(1);
    // The second request found enforcement already on, unchanged: one org.edit in all.
    expect(await auditEvents(h, slug, 'org.edit')).toHaveLength(1);
  });
});
