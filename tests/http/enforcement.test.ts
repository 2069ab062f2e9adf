import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { accessOf, auditEvents, enforce, enforcementOf, longLived, mailTo, membershipRow, setPlanDirectly, stopEnforcing } from './enforcementFlows.ts';

/**
 * Mandatory MFA: reading, switching on (every check of the contract, in its order) and off.
 * Seeds: Scaleway (typed ENFORCE / STOP, refuse while anyone lacks MFA, owners told on stop),
 * Mackerel (only admins and owners who have MFA switch it on), DNSimple (all must comply first).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('GET /v1/orgs/{slug}/mfa-enforcement', () => {
  it('counts active members and lists the non-compliant ones as { user_id, email, role }', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const manager = await addMember(h, owner, slug, 'manager');
    await addMember(h, owner, slug, 'admin', { mfa: true });

    const state = await enforcementOf(h, manager, slug);
    expect(state).toMatchObject({ enabled: false, noncompliant_action: 'refuse', required_factor: 'any', grace_period_ends_at: null, enabled_at: null, enabled_by: null });
    expect(state.compliance.total).toBe(4);
    expect(state.compliance.compliant).toBe(2);
    expect(state.compliance.noncompliant).toHaveLength(2);
    expect(state.compliance.noncompliant).toEqual(
      expect.arrayContaining([
        { user_id: plain.id, email: plain.email, role: 'member' },
        { user_id: manager.id, email: manager.email, role: 'manager' },
      ]),
    );
  });

  it('is for managers and above; non-members get 404', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const outsider = await signUp(h);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/mfa-enforcement`, { token: plain.token })).body.code).toBe('forbidden');
    const hidden = await call(h, 'GET', `/v1/orgs/${slug}/mfa-enforcement`, { token: outsider.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('not_found');
  });

  it('counts only phishing-resistant factors when the organization requires them', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    // Test setup: no passkey ceremony is needed to see that a TOTP app stops counting.
    await h.gatehouse.deps.db.updateTable('orgs').set({ required_factor: 'phishing_resistant' }).where('slug', '=', slug).execute();
    const state = await enforcementOf(h, owner, slug);
    expect(state.compliance).toEqual({ total: 1, compliant: 0, noncompliant: [{ user_id: owner.id, email: owner.email, role: 'owner' }] });
  });
});

describe('PUT /v1/orgs/{slug}/mfa-enforcement: each check, and that the earlier one wins', () => {
  it('1. 403 forbidden for a manager, before the plan and the confirmation are looked at', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager', { mfa: true });
    await setPlanDirectly(h, slug, 'free');
    const refused = await enforce(h, manager, slug, { confirm: 'nope' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it('2. 402 plan_upgrade_required, before the caller’s own MFA is looked at', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    await setPlanDirectly(h, slug, 'free');
    const refused = await enforce(h, owner, slug, { confirm: 'nope' });
    expect(refused.status).toBe(402);
    expect(refused.body.code).toBe('plan_upgrade_required');
  });

  it('3. 403 actor_mfa_required for a caller without MFA, before owners are looked at (Mackerel)', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    const admin = await addMember(h, owner, slug, 'admin');
    const refused = await enforce(h, admin, slug, { confirm: 'nope' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('actor_mfa_required');
  });

  it('3b. 403 actor_mfa_required for a caller who has a factor but a credential not verified with it', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const admin = await addMember(h, owner, slug, 'admin');
    const aal1Token = await longLived(h, admin); // minted before enrolling: aal 1 for life
    await enrollTotp(h, admin);
    const refused = await enforce(h, aal1Token, slug);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('actor_mfa_required');
  });

  it('4. 409 owner_mfa_required naming the owners, before the confirmation', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    const admin = await addMember(h, owner, slug, 'admin', { mfa: true });
    const refused = await enforce(h, admin, slug, { confirm: 'nope' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('owner_mfa_required');
    expect(refused.body.owners).toEqual([{ user_id: owner.id, email: owner.email, role: 'owner' }]);
  });

  it('5. 422 confirmation_mismatch for any string but ENFORCE, before non-compliant members (Scaleway)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    await addMember(h, owner, slug, 'member');
    for (const confirm of ['enforce', 'ENFORCE ', '', 'STOP']) {
      const refused = await enforce(h, owner, slug, { confirm });
      expect(refused.status, confirm).toBe(422);
      expect(refused.body.code).toBe('confirmation_mismatch');
    }
  });

  it('5b. a confirm that is not a string, or none at all, is a 400 naming the field', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    for (const body of [{ confirm: 123 }, {}, { confirm: 'ENFORCE', surprise: true }]) {
      const refused = await enforce(h, owner, slug, body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalid_request');
      expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual([Object.keys(body).includes('surprise') ? 'surprise' : 'confirm']);
    }
  });

  it('6. grace_period_days with refuse is a 400 naming grace_period_days, checked with the body (before any other check)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager');
    // Implicit refuse (the default), explicit refuse, and even from a manager: the body is wrong whoever sends it.
    for (const [actor, body] of [
      [owner, { confirm: 'ENFORCE', grace_period_days: 7 }],
      [owner, { confirm: 'ENFORCE', noncompliant_action: 'refuse', grace_period_days: 7 }],
      [manager, { confirm: 'nope', grace_period_days: 7 }],
    ] as const) {
      const refused = await enforce(h, actor, slug, body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalid_request');
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'grace_period_days', in: 'body' })]);
    }
    for (const days of [0, 366, 1.5]) {
      const refused = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block', grace_period_days: days });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].field).toBe('grace_period_days');
    }
    expect((await enforcementOf(h, owner, slug)).enabled).toBe(false);
  });

  it('7. refuse: 409 noncompliant_members listing them while anyone lacks MFA, and nothing changes (DNSimple)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const refused = await enforce(h, owner, slug);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('noncompliant_members');
    expect(refused.body.members).toEqual([{ user_id: plain.id, email: plain.email, role: 'member' }]);
    expect((await enforcementOf(h, owner, slug)).enabled).toBe(false);
    expect(await auditEvents(h, slug, 'org.edit')).toEqual([]);
    expect((await accessOf(h, plain, slug)).allowed).toBe(true);
  });

  it('8. once everyone complies, refuse switches enforcement on with one org.edit event', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug)).status).toBe(409);
    await enrollTotp(h, plain);

    const enabled = await enforce(h, owner, slug);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, noncompliant_action: 'refuse', required_factor: 'any', grace_period_ends_at: null, enabled_by: owner.id, pending: [] });
    expect(Date.parse(enabled.body.enabled_at)).not.toBeNaN();
    expect(enabled.body.compliance).toEqual({ total: 2, compliant: 2, noncompliant: [] });
    const edits = await auditEvents(h, slug, 'org.edit');
    expect(edits).toHaveLength(1);
    expect(edits[0]).toMatchObject({ actor_id: owner.id, data: { changes: { mfa_required: [false, true] } } });
    expect(Object.keys(edits[0]!.data.changes)).toEqual(['mfa_required']);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: owner.token })).body.org.mfa_required).toBe(true);
  });

  it('a factor rule of phishing_resistant needs the caller to hold such a factor (TOTP is not enough)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const refused = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block', required_factor: 'phishing_resistant' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('actor_mfa_required');
  });
});

describe('block, and changing an enforcement that is on', () => {
  it('block keeps non-compliant members but every channel answers mfa_enrollment_required until they enroll', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.pending).toEqual([]);
    expect(enabled.body.compliance.noncompliant).toEqual([{ user_id: plain.id, email: plain.email, role: 'member' }]);

    for (const channel of ['console', 'api', 'ssh', 'git']) {
      const answer = await call(h, 'GET', `/v1/orgs/${slug}/access?channel=${channel}`, { token: plain.token });
      expect(answer.body).toMatchObject({ allowed: false, code: 'mfa_enrollment_required' });
    }
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: plain.token })).body.code).toBe('mfa_enrollment_required');
    expect((await membershipRow(h, slug, plain.id))?.state).toBe('active');
    const [edit] = await auditEvents(h, slug, 'org.edit');
    expect(edit?.data.changes).toEqual({ mfa_required: [false, true], noncompliant_action: ['refuse', 'block'] });

    const enrolled = await enrollTotp(h, plain);
    expect(await accessOf(h, enrolled, slug)).toMatchObject({ allowed: true, role: 'member' });
  });

  it('a PUT that changes the mode records only that change; one that changes nothing records nothing', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    expect(await auditEvents(h, slug, 'org.edit')).toHaveLength(1);

    const switched = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' });
    expect(switched.status).toBe(200);
    expect(switched.body.pending).toEqual([{ user_id: plain.id, email: plain.email, role: 'member' }]);
    const edits = await auditEvents(h, slug, 'org.edit');
    expect(edits).toHaveLength(2);
    expect(edits[1]?.data.changes).toEqual({ noncompliant_action: ['block', 'remove'] });
    expect(switched.body.enabled_at).toBe((await enforcementOf(h, owner, slug)).enabled_at);
  });

  it('switching to refuse needs everyone compliant, as switching on does', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    const refused = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'refuse' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('noncompliant_members');
    expect((await enforcementOf(h, owner, slug)).noncompliant_action).toBe('block');
  });
});

describe('DELETE /v1/orgs/{slug}/mfa-enforcement (Scaleway: type STOP)', () => {
  it('needs an admin (403 before 422) and exactly STOP (422)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager', { mfa: true });
    expect((await enforce(h, owner, slug)).status).toBe(200);
    const forbidden = await stopEnforcing(h, manager, slug, 'nope');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    for (const confirm of ['stop', 'ENFORCE', '']) {
      const refused = await stopEnforcing(h, owner, slug, confirm);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('confirmation_mismatch');
    }
    expect((await enforcementOf(h, owner, slug)).enabled).toBe(true);
  });

  it('stops enforcing: every owner is told, blocked members get access back, pending ones stay pending', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const coOwner = await addMember(h, owner, slug, 'owner', { mfa: true });
    const admin = await addMember(h, owner, slug, 'admin', { mfa: true });
    const blocked = await addMember(h, owner, slug, 'member', { mfa: true });
    const removed = await addMember(h, owner, slug, 'manager');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).status).toBe(200);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    // Under block, a member who drops their factor stays a member without access.
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: blocked.token });
    const dropped = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: blocked.token, body: { acknowledge_leaving_organizations: true } });
    expect(dropped.status).toBe(204);
    expect((await accessOf(h, blocked, slug)).code).toBe('mfa_enrollment_required');

    const stopped = await stopEnforcing(h, admin, slug);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ enabled: false, grace_period_ends_at: null });
    expect(stopped.body.compliance.total).toBe(4);

    for (const person of [owner, coOwner]) {
      const mails = await mailTo(h, person.email, /no longer (enforced|required)/);
      expect(mails, person.email).toHaveLength(1);
    }
    expect(await mailTo(h, admin.email, /no longer/)).toHaveLength(0);
    const edits = await auditEvents(h, slug, 'org.edit');
    expect(edits.at(-1)).toMatchObject({ actor_id: admin.id, data: { changes: { mfa_required: [true, false] } } });
    expect(await accessOf(h, blocked, slug)).toMatchObject({ allowed: true });
    expect(await accessOf(h, removed, slug)).toMatchObject({ allowed: false, code: 'membership_pending' });
  });

  it('stopping an enforcement that is off changes nothing and tells nobody', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const stopped = await stopEnforcing(h, owner, slug);
    expect(stopped.status).toBe(200);
    expect(stopped.body.enabled).toBe(false);
    expect(await auditEvents(h, slug, 'org.edit')).toEqual([]);
    expect(await mailTo(h, owner.email, /no longer/)).toHaveLength(0);
  });
});
