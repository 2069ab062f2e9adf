/**
 * Members over HTTP: the list with MFA status and standing, role changes within the rank rules
 * (nobody grants above their own role; only owners touch owners), removal and leaving, and
 * ownership transfer. An organization always keeps an active owner (409 last_owner), and in an
 * organization requiring MFA ownership never goes to someone without it (409 target_mfa_required,
 * Mackerel). Enforcement is switched on directly in the database (requireMfaDirectly): its
 * endpoint is written and tested elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/clock.ts';
import { call } from '../helpers/client.ts';
import { mfaUser, now, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, auditActions, createOrg, makePendingDirectly, requireMfaDirectly } from '../helpers/orgFlows.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function members(user: TestUser, slug: string, query = ''): Promise<any[]> {
  const list = await call(h, 'GET', `/v1/orgs/${slug}/members${query}`, { token: user.token });
  expect(list.status, JSON.stringify(list.body)).toBe(200);
  return list.body.members;
}

async function roleOf(viewer: TestUser, slug: string, userId: string): Promise<string | undefined> {
  return (await members(viewer, slug)).find((member) => member.user_id === userId)?.role;
}

describe('GET /v1/orgs/{slug}/members', () => {
  let owner: TestUser;
  let slug: string;
  let plain: TestUser;
  let secured: TestUser;
  beforeAll(async () => {
    owner = await mfaUser(h);
    slug = await createOrg(h, owner);
    plain = await addMember(h, owner, slug, 'member');
    secured = await addMember(h, owner, slug, 'manager', { mfa: true });
  });

  it('lists every member with role, state, MFA status and access, to any member', async () => {
    const list = await members(plain, slug);
    expect(list).toHaveLength(3);
    expect(list.find((member) => member.user_id === plain.id)).toEqual({
      user_id: plain.id,
      email: plain.email,
      name: null,
      role: 'member',
      state: 'active',
      mfa: { enabled: false, factor_types: [] },
      access: 'ok',
      reinstate_until: null,
    });
    expect(list.find((member) => member.user_id === secured.id)).toMatchObject({ role: 'manager', mfa: { enabled: true, factor_types: ['totp'] } });
  });

  it('filters by mfa and by state', async () => {
    expect((await members(owner, slug, '?mfa=disabled')).map((member) => member.user_id)).toEqual([plain.id]);
    expect((await members(owner, slug, '?mfa=enabled')).map((member) => member.user_id).sort()).toEqual([owner.id, secured.id].sort());
    expect(await members(owner, slug, '?state=pending')).toEqual([]);
    expect(await members(owner, slug, '?state=active&mfa=disabled')).toHaveLength(1);
  });

  it.each([
    ['an unknown parameter', '?role=owner', 'role'],
    ['an unknown mfa value', '?mfa=yes', 'mfa'],
    ['an unknown state', '?state=gone', 'state'],
  ])('rejects %s with 400 naming it', async (_label, query, field) => {
    const response = await call(h, 'GET', `/v1/orgs/${slug}/members${query}`, { token: owner.token });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_request');
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('answers 404 to a non-member', async () => {
    const response = await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: (await signUp(h)).token });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });

  it('shows pending members with reinstate_until, and leaves out those whose window has passed', async () => {
    const org = await createOrg(h, owner);
    const waiting = await addMember(h, owner, org, 'admin');
    const gone = await addMember(h, owner, org, 'member');
    const until = addDays(now(h), 30);
    await makePendingDirectly(h, org, waiting.id, until);
    await makePendingDirectly(h, org, gone.id, addDays(now(h), -1));

    const pending = await members(owner, org, '?state=pending');
    expect(pending).toEqual([expect.objectContaining({ user_id: waiting.id, role: 'admin', state: 'pending', access: 'none', reinstate_until: until.toISOString() })]);
    expect((await members(owner, org)).map((member) => member.user_id)).not.toContain(gone.id);
  });

  it('reports access blocked, grace and ok once the organization requires MFA', async () => {
    const org = await createOrg(h, owner);
    const without = await addMember(h, owner, org, 'member');
    const withMfa = await addMember(h, owner, org, 'member', { mfa: true });
    await requireMfaDirectly(h, org);
    const blocked = await members(owner, org);
    expect(blocked.find((member) => member.user_id === without.id).access).toBe('blocked');
    expect(blocked.find((member) => member.user_id === withMfa.id).access).toBe('ok');

    await requireMfaDirectly(h, org, { grace_period_ends_at: addDays(now(h), 7) });
    expect((await members(owner, org)).find((member) => member.user_id === without.id).access).toBe('grace');
  });

  it('counts only phishing-resistant factors as enabled when the organization requires them', async () => {
    const org = await createOrg(h, owner);
    await h.gatehouse.deps.db.updateTable('orgs').set({ required_factor: 'phishing_resistant' }).where('slug', '=', org).execute();
    const [me] = await members(owner, org);
    expect(me.mfa).toEqual({ enabled: false, factor_types: ['totp'] });
    expect(await members(owner, org, '?mfa=enabled')).toEqual([]);
  });
});

describe('PATCH /v1/orgs/{slug}/members/{user_id}', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await signUp(h);
    slug = await createOrg(h, owner);
  });

  it('changes a role, answers the member, and audits member.role_change', async () => {
    const member = await addMember(h, owner, slug, 'member');
    const changed = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token, body: { role: 'admin' } });
    expect(changed.status).toBe(200);
    expect(changed.body.member).toMatchObject({ user_id: member.id, email: member.email, role: 'admin', state: 'active' });
    const [event] = await auditActions(h, owner, slug, '?action=member.role_change');
    expect(event).toMatchObject({ actor: owner.id, target: member.id, data: { old_role: 'member', new_role: 'admin' } });
  });

  it('lets a manager promote a member to manager but not to admin, nor touch an admin', async () => {
    const manager = await addMember(h, owner, slug, 'manager');
    const member = await addMember(h, owner, slug, 'member');
    const admin = await addMember(h, owner, slug, 'admin');
    const toAdmin = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: manager.token, body: { role: 'admin' } });
    expect(toAdmin.status).toBe(403);
    expect(toAdmin.body.code).toBe('forbidden');
    const demoteAdmin = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${admin.id}`, { token: manager.token, body: { role: 'member' } });
    expect(demoteAdmin.body.code).toBe('forbidden');
    expect(await roleOf(owner, slug, admin.id)).toBe('admin');
    const toManager = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: manager.token, body: { role: 'manager' } });
    expect(toManager.status).toBe(200);
  });

  it('lets an admin manage admins but neither make nor touch an owner', async () => {
    const admin = await addMember(h, owner, slug, 'admin');
    const other = await addMember(h, owner, slug, 'admin');
    expect((await call(h, 'PATCH', `/v1/orgs/${slug}/members/${other.id}`, { token: admin.token, body: { role: 'manager' } })).status).toBe(200);
    const makeOwner = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${other.id}`, { token: admin.token, body: { role: 'owner' } });
    expect(makeOwner.status).toBe(403);
    expect(makeOwner.body.code).toBe('forbidden');
    const demoteOwner = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${owner.id}`, { token: admin.token, body: { role: 'admin' } });
    expect(demoteOwner.status).toBe(403);
    expect(demoteOwner.body.code).toBe('forbidden');
    expect(await roleOf(owner, slug, owner.id)).toBe('owner');
  });

  it('refuses members (403), unknown users (404) and bad bodies (400)', async () => {
    const member = await addMember(h, owner, slug, 'member');
    expect((await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: member.token, body: { role: 'manager' } })).body.code).toBe('forbidden');
    const unknown = await call(h, 'PATCH', `/v1/orgs/${slug}/members/usr_nobody`, { token: owner.token, body: { role: 'member' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    const outsider = await signUp(h);
    expect((await call(h, 'PATCH', `/v1/orgs/${slug}/members/${outsider.id}`, { token: owner.token, body: { role: 'member' } })).status).toBe(404);
    for (const body of [{ role: 'superuser' }, { role: 'member', note: 'x' }, {}]) {
      const bad = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token, body });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_request');
    }
  });

  it('never demotes the last owner (409 last_owner), but a second owner makes it possible', async () => {
    const soloOwner = await signUp(h);
    const org = await createOrg(h, soloOwner);
    const demote = await call(h, 'PATCH', `/v1/orgs/${org}/members/${soloOwner.id}`, { token: soloOwner.token, body: { role: 'admin' } });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_owner');
    expect(await roleOf(soloOwner, org, soloOwner.id)).toBe('owner');

    const second = await addMember(h, soloOwner, org, 'owner');
    expect((await call(h, 'PATCH', `/v1/orgs/${org}/members/${soloOwner.id}`, { token: soloOwner.token, body: { role: 'admin' } })).status).toBe(200);
    const last = await call(h, 'PATCH', `/v1/orgs/${org}/members/${second.id}`, { token: second.token, body: { role: 'member' } });
    expect(last.body.code).toBe('last_owner');
  });

  it('needs MFA of a new owner when the organization requires it (409 target_mfa_required)', async () => {
    const mfaOwner = await mfaUser(h);
    const org = await createOrg(h, mfaOwner);
    const without = await addMember(h, mfaOwner, org, 'admin');
    const withMfa = await addMember(h, mfaOwner, org, 'admin', { mfa: true });
    await requireMfaDirectly(h, org);
    const refused = await call(h, 'PATCH', `/v1/orgs/${org}/members/${without.id}`, { token: mfaOwner.token, body: { role: 'owner' } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('target_mfa_required');
    expect(await roleOf(mfaOwner, org, without.id)).toBe('admin');
    expect((await call(h, 'PATCH', `/v1/orgs/${org}/members/${withMfa.id}`, { token: mfaOwner.token, body: { role: 'owner' } })).status).toBe(200);
  });

  it('changes the role of a pending member, but does not make them owner', async () => {
    const member = await addMember(h, owner, slug, 'member');
    await makePendingDirectly(h, slug, member.id, addDays(now(h), 30));
    const toOwner = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token, body: { role: 'owner' } });
    expect(toOwner.status).toBe(403);
    expect(toOwner.body.code).toBe('forbidden');
    const toAdmin = await call(h, 'PATCH', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token, body: { role: 'admin' } });
    expect(toAdmin.status).toBe(200);
    expect(toAdmin.body.member).toMatchObject({ role: 'admin', state: 'pending' });
  });
});

describe('DELETE /v1/orgs/{slug}/members/{user_id}', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await signUp(h);
    slug = await createOrg(h, owner);
  });

  it('lets a manager remove a member (204) and audits member.remove', async () => {
    const manager = await addMember(h, owner, slug, 'manager');
    const member = await addMember(h, owner, slug, 'member');
    const removed = await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: manager.token });
    expect(removed.status).toBe(204);
    expect(removed.body).toBe('');
    expect((await members(owner, slug)).map((row) => row.user_id)).not.toContain(member.id);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: member.token })).body.code).toBe('not_found');
    const [event] = await auditActions(h, owner, slug, '?action=member.remove');
    expect(event).toMatchObject({ actor: manager.id, target: member.id, data: { role: 'member', reason: 'removed' } });
  });

  it('keeps the rank rules: a manager cannot remove an admin, an admin cannot remove an owner, a member nobody else', async () => {
    const manager = await addMember(h, owner, slug, 'manager');
    const admin = await addMember(h, owner, slug, 'admin');
    const member = await addMember(h, owner, slug, 'member');
    const cases: [TestUser, TestUser][] = [
      [manager, admin],
      [admin, owner],
      [member, manager],
    ];
    for (const [actor, target] of cases) {
      const refused = await call(h, 'DELETE', `/v1/orgs/${slug}/members/${target.id}`, { token: actor.token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect(await members(owner, slug)).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: admin.id }), expect.objectContaining({ user_id: manager.id })]));
  });

  it('lets any member leave, and audits the reason', async () => {
    const member = await addMember(h, owner, slug, 'member');
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: member.token })).status).toBe(204);
    const [event] = await auditActions(h, owner, slug, `?action=member.remove&target=${member.id}`);
    expect(event).toMatchObject({ actor: member.id, data: { reason: 'left' } });
  });

  it('never removes the last owner, whether removed or leaving (409 last_owner)', async () => {
    const solo = await signUp(h);
    const org = await createOrg(h, solo);
    const leave = await call(h, 'DELETE', `/v1/orgs/${org}/members/${solo.id}`, { token: solo.token });
    expect(leave.status).toBe(409);
    expect(leave.body.code).toBe('last_owner');
    const second = await addMember(h, solo, org, 'owner');
    expect((await call(h, 'DELETE', `/v1/orgs/${org}/members/${solo.id}`, { token: second.token })).status).toBe(204);
    const lastLeave = await call(h, 'DELETE', `/v1/orgs/${org}/members/${second.id}`, { token: second.token });
    expect(lastLeave.body.code).toBe('last_owner');
  });

  it('removes a pending member, and answers 404 for unknown ones and 400 for a body', async () => {
    const member = await addMember(h, owner, slug, 'member');
    await makePendingDirectly(h, slug, member.id, addDays(now(h), 30));
    const withBody = await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token, body: { force: true } });
    expect(withBody.status).toBe(400);
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token })).status).toBe(204);
    expect(await members(owner, slug, '?state=pending')).toEqual([]);
    const again = await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
  });
});

describe('POST /v1/orgs/{slug}/ownership-transfer', () => {
  it('makes the target owner and the caller admin, and audits org.ownership_transfer', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    const heir = await addMember(h, owner, slug, 'manager');
    const transfer = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: heir.id } });
    expect(transfer.status).toBe(200);
    expect(transfer.body).toEqual({ owner: { user_id: heir.id, email: heir.email }, previous_owner_role: 'admin' });
    expect(await roleOf(heir, slug, heir.id)).toBe('owner');
    expect(await roleOf(heir, slug, owner.id)).toBe('admin');
    const [event] = await auditActions(h, heir, slug, '?action=org.ownership_transfer');
    expect(event).toMatchObject({ actor: owner.id, target: heir.id });
    // The former owner is an admin now, and admins do not transfer ownership.
    const back = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: owner.id } });
    expect(back.status).toBe(403);
    expect(back.body.code).toBe('forbidden');
  });

  it('answers 404 for a non-member or a pending member, and 400 for yourself or unknown fields', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    const pending = await addMember(h, owner, slug, 'admin');
    await makePendingDirectly(h, slug, pending.id, addDays(now(h), 30));
    for (const userId of [(await signUp(h)).id, pending.id]) {
      const missing = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: userId } });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('not_found');
    }
    const self = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: owner.id } });
    expect(self.status).toBe(400);
    expect(self.body.errors[0].field).toBe('user_id');
    const extra = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: pending.id, keep_owner: true } });
    expect(extra.status).toBe(400);
    expect(await roleOf(owner, slug, owner.id)).toBe('owner');
  });

  it('refuses a target without MFA when the organization requires it (409 target_mfa_required)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const without = await addMember(h, owner, slug, 'admin');
    const withMfa = await addMember(h, owner, slug, 'member', { mfa: true });
    await requireMfaDirectly(h, slug);
    const refused = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: without.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('target_mfa_required');
    expect(await roleOf(owner, slug, owner.id)).toBe('owner');
    expect((await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: owner.token, body: { user_id: withMfa.id } })).status).toBe(200);
  });
});
