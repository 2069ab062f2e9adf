/**
 * Invitations over HTTP: inviting within one's rank, the mail and its link, resending (the old
 * link stops working), revoking, and accepting — whose checks run in the contract's order:
 * unknown token 404, someone else's invitation 403, expired 410, already a member 409, then the
 * organization's MFA rule (403 mfa_enrollment_required / mfa_step_up_required). A grace period
 * covers existing members only: invitees need MFA to join (Scaleway, DNSimple). Enforcement is
 * switched on directly in the database (requireMfaDirectly): its endpoint is tested elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/clock.ts';
import { INVITATION_MAIL_INTERVAL_SECONDS } from '../../src/core/invitationThrottle.ts';
import { hashToken } from '../../src/core/tokens.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, now, signInWithMfa, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, auditActions, createOrg, flushMail, invitationTokenFor, invite, makePendingDirectly, requireMfaDirectly } from '../helpers/orgFlows.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function accept(user: TestUser, token: string, body?: unknown) {
  return call(h, 'POST', `/v1/invitations/${token}/accept`, { token: user.token, ...(body !== undefined ? { body } : {}) });
}

async function expireDirectly(invitationId: string): Promise<void> {
  await h.gatehouse.deps.db.updateTable('invitations').set({ expires_at: addDays(now(h), -1) }).where('id', '=', invitationId).execute();
}

describe('POST /v1/orgs/{slug}/invitations', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await signUp(h);
    slug = await createOrg(h, owner);
  });

  it('answers 201 with the invitation and mails a link that, followed, joins the organization', async () => {
    const invitee = await signUp(h);
    const invited = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: invitee.email, role: 'manager' } });
    expect(invited.status).toBe(201);
    const { invitation } = invited.body;
    expect(invitation).toMatchObject({ email: invitee.email, role: 'manager', invited_by: owner.id });
    expect(new Date(invitation.expires_at).getTime() - now(h).getTime()).toBeGreaterThan(6.9 * 86_400_000);
    expect(JSON.stringify(invited.body)).not.toMatch(/ginv_/);

    await flushMail(h);
    const mail = h.mail.filter((message) => message.to === invitee.email).at(-1);
    expect(mail?.subject).toContain(`Org ${slug}`);
    const token = /http:\/\/gatehouse\.test\/invitations\/(\S+)/.exec(mail?.text ?? '')?.[1];
    expect(token).toMatch(/^ginv_[A-Za-z0-9_-]{43}$/);
    // Only the token's hash is stored.
    const row = await h.gatehouse.deps.db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token!));

    const accepted = await accept(invitee, token!);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ org: { slug, name: `Org ${slug}` }, role: 'manager' });
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: invitee.token })).status).toBe(200);

    const [join, inviteEvent] = await auditActions(h, owner, slug, `?target=${invitee.id}`);
    expect(join).toMatchObject({ action: 'member.join', actor: invitee.id, data: { role: 'manager', invitation_id: invitation.id } });
    expect(inviteEvent).toMatchObject({ action: 'member.invite', actor: owner.id, data: { invitation_id: invitation.id, role: 'manager' } });
  });

  it('invites people without an account yet, who join after signing up with that address', async () => {
    const email = uniqueEmail('newcomer');
    const { token } = await invite(h, owner, slug, email.toUpperCase(), 'member');
    const newcomer = await signUp(h, email);
    expect((await accept(newcomer, token)).status).toBe(200);
  });

  it('keeps the rank rules: nobody invites above their own role, only owners invite owners', async () => {
    const manager = await addMember(h, owner, slug, 'manager');
    const admin = await addMember(h, owner, slug, 'admin');
    const member = await addMember(h, owner, slug, 'member');
    const cases: [TestUser, string][] = [
      [manager, 'admin'],
      [admin, 'owner'],
      [member, 'member'],
    ];
    for (const [inviter, role] of cases) {
      const refused = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: inviter.token, body: { email: uniqueEmail(), role } });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: manager.token, body: { email: uniqueEmail(), role: 'manager' } })).status).toBe(201);
    expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: uniqueEmail(), role: 'owner' } })).status).toBe(201);
  });

  it('refuses to invite an active member (409 already_member) and bad bodies (400)', async () => {
    const member = await addMember(h, owner, slug, 'member');
    const again = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: member.email.toUpperCase(), role: 'admin' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_member');
    for (const [body, field] of [
      [{ email: 'not-an-email', role: 'member' }, 'email'],
      [{ email: uniqueEmail(), role: 'king' }, 'role'],
      [{ email: uniqueEmail(), role: 'member', message: 'hi' }, 'message'],
      [{ role: 'member' }, 'email'],
    ] as const) {
      const bad = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
  });

  it('replaces the open invitation to the same address: the old link stops working', async () => {
    const invitee = await signUp(h);
    const first = await invite(h, owner, slug, invitee.email, 'member');
    await h.advance(INVITATION_MAIL_INTERVAL_SECONDS); // invitation mail is throttled per address
    const second = await invite(h, owner, slug, invitee.email, 'manager');
    const old = await accept(invitee, first.token);
    expect(old.status).toBe(404);
    expect(old.body.code).toBe('not_found');
    const open = await call(h, 'GET', `/v1/orgs/${slug}/invitations`, { token: owner.token });
    expect(open.body.invitations.filter((row: { email: string }) => row.email === invitee.email).map((row: { id: string }) => row.id)).toEqual([second.id]);
    expect((await accept(invitee, second.token)).body.role).toBe('manager');
  });

  it('does not restrict inviting while the organization requires MFA', async () => {
    const mfaOwner = await mfaUser(h);
    const org = await createOrg(h, mfaOwner);
    await requireMfaDirectly(h, org);
    expect((await call(h, 'POST', `/v1/orgs/${org}/invitations`, { token: mfaOwner.token, body: { email: uniqueEmail(), role: 'member' } })).status).toBe(201);
  });
});

describe('GET /v1/orgs/{slug}/invitations, resend and revoke', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await signUp(h);
    slug = await createOrg(h, owner);
  });

  it('lists open invitations to managers and above, never their tokens', async () => {
    const email = uniqueEmail();
    const { id } = await invite(h, owner, slug, email, 'member');
    const manager = await addMember(h, owner, slug, 'manager');
    const list = await call(h, 'GET', `/v1/orgs/${slug}/invitations`, { token: manager.token });
    expect(list.status).toBe(200);
    expect(list.body.invitations).toEqual([expect.objectContaining({ id, email, role: 'member' })]);
    expect(JSON.stringify(list.body)).not.toMatch(/ginv_|token/);
    const member = await addMember(h, owner, slug, 'member');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/invitations`, { token: member.token })).body.code).toBe('forbidden');
  });

  it('resends with a new token and expiry: the old link stops working, the new one joins', async () => {
    const invitee = await signUp(h);
    const first = await invite(h, owner, slug, invitee.email, 'member');
    await h.advance(60);
    const resent = await call(h, 'POST', `/v1/orgs/${slug}/invitations/${first.id}/resend`, { token: owner.token });
    expect(resent.status).toBe(200);
    expect(resent.body.invitation).toMatchObject({ id: first.id, email: invitee.email, role: 'member' });
    const token = await invitationTokenFor(h, invitee.email);
    expect(token).not.toBe(first.token);
    expect((await accept(invitee, first.token)).body.code).toBe('not_found');
    expect((await accept(invitee, token)).status).toBe(200);
    const [event] = await auditActions(h, owner, slug, '?action=invitation.resend');
    expect(event.data.invitation_id).toBe(first.id);
  });

  it('renews an expired invitation on resend', async () => {
    const invitee = await signUp(h);
    const { id } = await invite(h, owner, slug, invitee.email, 'member');
    await expireDirectly(id);
    await h.advance(INVITATION_MAIL_INTERVAL_SECONDS); // invitation mail is throttled per address
    const resent = await call(h, 'POST', `/v1/orgs/${slug}/invitations/${id}/resend`, { body: {}, token: owner.token });
    expect(new Date(resent.body.invitation.expires_at).getTime()).toBeGreaterThan(now(h).getTime());
    expect((await accept(invitee, await invitationTokenFor(h, invitee.email))).status).toBe(200);
  });

  it('revokes (204): the link stops working; revoked, accepted and unknown ids are 404', async () => {
    const invitee = await signUp(h);
    const { id, token } = await invite(h, owner, slug, invitee.email, 'member');
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/invitations/${id}`, { token: owner.token, body: { reason: 'x' } })).status).toBe(400);
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/invitations/${id}`, { token: owner.token })).status).toBe(204);
    expect((await accept(invitee, token)).body.code).toBe('not_found');

    const joined = await signUp(h);
    const accepted = await invite(h, owner, slug, joined.email, 'member');
    await accept(joined, accepted.token);
    for (const gone of [id, accepted.id, 'inv_nothing']) {
      for (const [method, url] of [
        ['POST', `/v1/orgs/${slug}/invitations/${gone}/resend`],
        ['DELETE', `/v1/orgs/${slug}/invitations/${gone}`],
      ] as const) {
        const response = await call(h, method, url, { token: owner.token });
        expect(response.status, `${method} ${url}`).toBe(404);
        expect(response.body.code).toBe('not_found');
      }
    }
  });

  it('keeps the rank rules: a manager cannot resend or revoke an admin invitation', async () => {
    const manager = await addMember(h, owner, slug, 'manager');
    const { id } = await invite(h, owner, slug, uniqueEmail(), 'admin');
    expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations/${id}/resend`, { token: manager.token })).body.code).toBe('forbidden');
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/invitations/${id}`, { token: manager.token })).body.code).toBe('forbidden');
  });
});

describe('POST /v1/invitations/{token}/accept', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await mfaUser(h);
    slug = await createOrg(h, owner);
  });

  it('answers 404 for unknown, malformed and already accepted tokens, and 401 without a token', async () => {
    const user = await signUp(h);
    expect((await accept(user, `ginv_${'A'.repeat(43)}`)).body.code).toBe('not_found');
    expect((await accept(user, 'nonsense')).status).toBe(404);
    const { token } = await invite(h, owner, slug, user.email, 'member');
    expect((await call(h, 'POST', `/v1/invitations/${token}/accept`)).status).toBe(401);
    expect((await accept(user, token, { role: 'owner' })).status).toBe(400);
    expect((await accept(user, token, {})).status).toBe(200);
    const twice = await accept(user, token);
    expect(twice.status).toBe(404);
    expect(twice.body.code).toBe('not_found');
  });

  it('checks the invited address before expiry, and expiry before membership', async () => {
    const invitee = await signUp(h);
    const other = await signUp(h);
    const { id, token } = await invite(h, owner, slug, invitee.email, 'member');
    await expireDirectly(id);
    const wrongPerson = await accept(other, token);
    expect(wrongPerson.status).toBe(403);
    expect(wrongPerson.body.code).toBe('forbidden');
    const expired = await accept(invitee, token);
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('invitation_expired');
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: invitee.token })).body.code).toBe('not_found');
  });

  it('answers 409 already_member to an active member holding an open invitation (after expiry is checked)', async () => {
    const member = await addMember(h, owner, slug, 'member');
    // Pending members may be invited; making the row active again leaves an open invitation to an active member.
    await makePendingDirectly(h, slug, member.id, addDays(now(h), 30));
    await h.advance(INVITATION_MAIL_INTERVAL_SECONDS); // invitation mail is throttled per address
    const { id, token } = await invite(h, owner, slug, member.email, 'admin');
    await h.gatehouse.deps.db.updateTable('memberships').set({ state: 'active', pending_since: null, reinstate_until: null }).where('user_id', '=', member.id).execute();
    const conflict = await accept(member, token);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('already_member');
    await expireDirectly(id);
    expect((await accept(member, token)).body.code).toBe('invitation_expired');
  });

  it('brings back a pending member, even past the reinstatement window, with the invited role', async () => {
    for (const until of [addDays(now(h), 30), addDays(now(h), -1)]) {
      const member = await addMember(h, owner, slug, 'member');
      await makePendingDirectly(h, slug, member.id, until);
      await h.advance(INVITATION_MAIL_INTERVAL_SECONDS); // invitation mail is throttled per address
      const { token } = await invite(h, owner, slug, member.email, 'manager');
      const accepted = await accept(member, token);
      expect(accepted.status).toBe(200);
      expect(accepted.body.role).toBe('manager');
      const list = await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: owner.token });
      expect(list.body.members.find((row: { user_id: string }) => row.user_id === member.id)).toMatchObject({ role: 'manager', state: 'active', reinstate_until: null });
    }
  });
});

describe('accepting into an organization that requires MFA', () => {
  let owner: TestUser;
  let slug: string;
  beforeAll(async () => {
    owner = await mfaUser(h);
    slug = await createOrg(h, owner);
    await requireMfaDirectly(h, slug);
  });

  it('refuses an invitee without MFA (403 mfa_enrollment_required); the invitation stays valid for after enrolling', async () => {
    const invitee = await signUp(h);
    const { token } = await invite(h, owner, slug, invitee.email, 'member');
    const refused = await accept(invitee, token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_enrollment_required');
    const enrolled = await enrollTotp(h, invitee);
    expect((await accept(enrolled, token)).status).toBe(200);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: enrolled.token })).status).toBe(200);
  });

  it('gives invitees no grace period, which covers existing members only', async () => {
    const org = await createOrg(h, owner);
    const existing = await addMember(h, owner, org, 'member');
    await requireMfaDirectly(h, org, { grace_period_ends_at: addDays(now(h), 14) });
    expect((await call(h, 'GET', `/v1/orgs/${org}`, { token: existing.token })).status).toBe(200);
    const invitee = await signUp(h);
    const { token } = await invite(h, owner, org, invitee.email, 'member');
    expect((await accept(invitee, token)).body.code).toBe('mfa_enrollment_required');
  });

  it('asks a user who has MFA for a credential verified with it (403 mfa_step_up_required)', async () => {
    const invitee = await signUp(h);
    // A token minted by an aal-1 session before MFA was enrolled keeps aal 1.
    const pat = await call(h, 'POST', '/v1/me/tokens', { token: invitee.token, body: { name: 'ci' } });
    expect(pat.status).toBe(201);
    const enrolled = await enrollTotp(h, invitee);
    const { token } = await invite(h, owner, slug, invitee.email, 'member');
    const stepUp = await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: pat.body.token });
    expect(stepUp.status).toBe(403);
    expect(stepUp.body.code).toBe('mfa_step_up_required');
    const fresh = await signInWithMfa(h, enrolled);
    expect((await accept(fresh, token)).status).toBe(200);
  });

  it('tells someone else holding the link 403 forbidden, before looking at their MFA', async () => {
    const invitee = await mfaUser(h);
    const stranger = await signUp(h);
    const { token } = await invite(h, owner, slug, invitee.email, 'member');
    expect((await accept(stranger, token)).body.code).toBe('forbidden');
    expect((await accept(invitee, token)).status).toBe(200);
  });
});
