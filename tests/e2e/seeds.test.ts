/**
 * One end-to-end scenario per vendor document in ../shared/seeds, over HTTP, with a real SMTP
 * server (the `smtp-server` package) receiving every mail and the test following the links in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, signInWithMfa, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { uniqueSlug } from '../helpers/orgFlows.ts';
import { linkIn, startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtpSink.ts';

const OPERATOR = 'operator@example.test';
let h: Harness;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ env: { SMTP_URL: smtp.url, GATEHOUSE_ADMIN_EMAILS: OPERATOR } });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

/** Each test reads a given message once: the next wait finds the next matching one. */
const read = new Set<ReceivedMail>();
async function mailTo(email: string, subject: RegExp, body?: string): Promise<ReceivedMail> {
  const mail = await smtp.waitFor((candidate) => !read.has(candidate) && candidate.to.includes(email) && subject.test(candidate.subject) && (!body || candidate.text.includes(body)));
  read.add(mail);
  return mail;
}

async function newOrg(owner: TestUser, label: string): Promise<string> {
  const slug = uniqueSlug(label);
  expect((await call(h, 'POST', '/v1/orgs', { token: owner.token, body: { slug, name: `${label} Inc` } })).status).toBe(201);
  return slug;
}

/** Invites by email and accepts by following the link in the mail that arrived over SMTP. */
async function join(inviter: TestUser, slug: string, user: TestUser, role: string): Promise<void> {
  expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: inviter.token, body: { email: user.email, role } })).status).toBe(201);
  const mail = await mailTo(user.email, /invited/i, `(${slug})`);
  const token = linkIn(mail, 'http://gatehouse.test/invitations/').split('/').pop()!;
  const accepted = await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: user.token });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
}

const enforce = (actor: TestUser, slug: string, body: Record<string, unknown>) =>
  call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: actor.token, body: { confirm: 'ENFORCE', ...body } });

describe('Mackerel: mandatory 2-step authentication keeps the organization manageable', () => {
  it('only admins with MFA enable it, owners need MFA, and owners cannot lock themselves out', async () => {
    const owner = await signUp(h);
    const slug = await newOrg(owner, 'mackerel');
    const admin = await mfaUser(h);
    await join(owner, slug, admin, 'admin');
    const member = await signUp(h);
    await join(owner, slug, member, 'member');

    expect((await enforce(member, slug, { noncompliant_action: 'block' })).body.code).toBe('forbidden');
    expect((await enforce(owner, slug, { noncompliant_action: 'block' })).body.code).toBe('actor_mfa_required');
    expect((await enforce(admin, slug, { noncompliant_action: 'block' })).body.code).toBe('owner_mfa_required');
    const ownerMfa = await enrollTotp(h, owner);
    const enabled = await enforce(admin, slug, { noncompliant_action: 'block' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.enabled).toBe(true);

    // A member without MFA cannot access the organization until they enable it, nor become its owner.
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: member.token })).body.code).toBe('mfa_enrollment_required');
    const refusedTransfer = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: (await signInWithMfa(h, ownerMfa)).token, body: { user_id: member.id } });
    expect([refusedTransfer.status, refusedTransfer.body.code]).toEqual([409, 'target_mfa_required']);
    const enrolled = await enrollTotp(h, member);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: enrolled.token })).status).toBe(200);

    // What the owner loses while enforcement is on.
    const ownerFresh = await signInWithMfa(h, ownerMfa);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: ownerFresh.token });
    const drop = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: ownerFresh.token, body: { acknowledge_leaving_organizations: true } });
    expect([drop.status, drop.body.code]).toEqual([409, 'mfa_required_by_organization']);
    expect(drop.body.organizations).toEqual([{ slug, name: 'mackerel Inc' }]);
    const password = await call(h, 'DELETE', '/v1/me/password', { token: ownerFresh.token });
    expect([password.status, password.body.code]).toEqual([409, 'password_required_by_organization']);
    const methods = await call(h, 'PATCH', `/v1/orgs/${slug}`, { token: ownerFresh.token, body: { allowed_auth_methods: ['oidc'] } });
    expect([methods.status, methods.body.code]).toEqual([409, 'password_method_required']);
    const transfer = await call(h, 'POST', `/v1/orgs/${slug}/ownership-transfer`, { token: ownerFresh.token, body: { user_id: enrolled.id } });
    expect(transfer.status).toBe(200);

    // Turning enforcement off lifts the restrictions.
    const ownerNow = await signInWithMfa(h, enrolled);
    const stopped = await call(h, 'DELETE', `/v1/orgs/${slug}/mfa-enforcement`, { token: ownerNow.token, body: { confirm: 'STOP' } });
    expect(stopped.status).toBe(200);
    const methodsAfter = await call(h, 'PATCH', `/v1/orgs/${slug}`, { token: ownerNow.token, body: { allowed_auth_methods: ['oidc'] } });
    expect(methodsAfter.status).toBe(200);
  });
});

describe('Scaleway: typed ENFORCE / STOP, reminders, invitees need MFA, owners informed', () => {
  it('walks the whole document', async () => {
    const owner = await mfaUser(h);
    const slug = await newOrg(owner, 'scaleway');
    const member = await signUp(h);
    await join(owner, slug, member, 'member');

    const typo = await enforce(owner, slug, { confirm: 'enforce' });
    expect([typo.status, typo.body.code]).toEqual([422, 'confirmation_mismatch']);
    const refused = await enforce(owner, slug, {});
    expect([refused.status, refused.body.code]).toEqual([409, 'noncompliant_members']);
    expect(refused.body.members).toEqual([{ user_id: member.id, email: member.email, role: 'member' }]);

    // "If at least one user does not have MFA enabled, you must send them an MFA reminder."
    const reminded = await call(h, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token: owner.token, body: { user_ids: [member.id] } });
    expect(reminded.body.sent).toEqual([member.id]);
    const reminder = await mailTo(member.email, /two-factor authentication/i);
    expect(reminder.subject).toContain('scaleway Inc');
    expect(linkIn(reminder, 'http://gatehouse.test/')).toBe('http://gatehouse.test/account/security');
    await enrollTotp(h, member);

    const enabled = await enforce(owner, slug, {});
    expect(enabled.status).toBe(200);
    expect(enabled.body.compliance).toMatchObject({ total: 2, compliant: 2, noncompliant: [] });

    // "When you invite users in the future, they must have set up MFA to be able to join."
    const invitee = await signUp(h, uniqueEmail('invitee'));
    expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: invitee.email, role: 'member' } })).status).toBe(201);
    const invitation = await mailTo(invitee.email, /invited/i);
    const token = linkIn(invitation, 'http://gatehouse.test/invitations/').split('/').pop()!;
    const early = await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token });
    expect([early.status, early.body.code]).toEqual([403, 'mfa_enrollment_required']);
    const ready = await enrollTotp(h, invitee);
    expect((await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: ready.token })).status).toBe(200);

    const wrongStop = await call(h, 'DELETE', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'stop' } });
    expect([wrongStop.status, wrongStop.body.code]).toEqual([422, 'confirmation_mismatch']);
    const stopped = await call(h, 'DELETE', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'STOP' } });
    expect([stopped.status, stopped.body.enabled]).toEqual([200, false]);
    const informed = await mailTo(owner.email, /no longer (enforced|required)/i);
    expect(informed.text).toContain(slug);
  });
});

describe('DNSimple: plan gating, non-compliant members, leaving by disabling MFA', () => {
  it('walks the whole document', async () => {
    const operator = await signUp(h, OPERATOR);
    const owner = await mfaUser(h);
    const slug = await newOrg(owner, 'dnsimple');
    const other = await newOrg(owner, 'dnsimple-other');
    expect((await call(h, 'PUT', `/v1/admin/orgs/${slug}/plan`, { token: operator.token, body: { plan: 'free' } })).status).toBe(200);
    expect((await enforce(owner, slug, { noncompliant_action: 'refuse' })).body.code).toBe('plan_upgrade_required');
    expect((await call(h, 'PUT', `/v1/admin/orgs/${slug}/plan`, { token: owner.token, body: { plan: 'team' } })).body.code).toBe('forbidden');
    expect((await call(h, 'PUT', `/v1/admin/orgs/${slug}/plan`, { token: operator.token, body: { plan: 'team' } })).status).toBe(200);

    // "You can only enable MFA enforcement if all users have MFA enabled ... remove them, then re-invite them."
    const lagging = await signUp(h);
    await join(owner, slug, lagging, 'member');
    expect((await enforce(owner, slug, {})).body.code).toBe('noncompliant_members');
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/members/${lagging.id}`, { token: owner.token })).status).toBe(204);
    expect((await enforce(owner, slug, {})).status).toBe(200);

    // A member who disables MFA is removed from the enforcing account only.
    const leaver = await mfaUser(h);
    await join(owner, slug, leaver, 'member');
    await join(owner, other, leaver, 'member');
    const fresh = await signInWithMfa(h, leaver);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: fresh.token });
    const warned = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: fresh.token });
    expect([warned.status, warned.body.code]).toEqual([409, 'would_leave_organizations']);
    expect(warned.body.organizations).toEqual([{ slug, name: 'dnsimple Inc' }]);
    expect((await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: fresh.token, body: { acknowledge_leaving_organizations: true } })).status).toBe(204);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: fresh.token })).body.code).toBe('membership_pending');
    expect((await call(h, 'GET', `/v1/orgs/${other}`, { token: fresh.token })).status).toBe(200);
  });
});

describe('Platform.sh: every way in is closed without MFA; reminders single and bulk', () => {
  it('walks the whole document', async () => {
    const owner = await mfaUser(h);
    const slug = await newOrg(owner, 'platformsh');
    const a = await signUp(h);
    const b = await signUp(h);
    await join(owner, slug, a, 'member');
    await join(owner, slug, b, 'member');
    const tokenBeforeMfa = (await call(h, 'POST', '/v1/me/tokens', { token: a.token, body: { name: 'cli' } })).body.token;

    const bulk = await call(h, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token: owner.token, body: {} });
    expect(bulk.body.sent.sort()).toEqual([a.id, b.id].sort());
    await mailTo(a.email, /two-factor/i);
    await mailTo(b.email, /two-factor/i);
    const again = await call(h, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token: owner.token, body: { user_ids: [a.id, owner.id] } });
    expect(again.body.sent).toEqual([]);
    expect(again.body.skipped).toEqual(expect.arrayContaining([{ user_id: a.id, reason: 'recently_reminded' }, { user_id: owner.id, reason: 'already_compliant' }]));

    expect((await enforce(owner, slug, { noncompliant_action: 'block' })).status).toBe(200);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl laptop';
    // Console session, API token, SSH: all answer the same code.
    expect((await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: a.token })).body.code).toBe('mfa_enrollment_required');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: tokenBeforeMfa })).body.code).toBe('mfa_enrollment_required');
    expect((await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: a.token, body: { public_key: key } })).body.code).toBe('mfa_enrollment_required');
    const access = await call(h, 'GET', `/v1/orgs/${slug}/access?channel=git`, { token: a.token });
    expect(access.body).toMatchObject({ allowed: false, code: 'mfa_enrollment_required' });

    // After enabling MFA the old aal-1 token still cannot enter: it was not verified with MFA.
    const enrolled = await enrollTotp(h, a);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: tokenBeforeMfa })).body.code).toBe('mfa_step_up_required');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: enrolled.token })).status).toBe(200);
    expect((await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: enrolled.token, body: { public_key: key } })).status).toBe(201);
  });
});

describe('Sentry: removed to pending, mailed, reinstated with their role within three months', () => {
  it('walks the whole document', async () => {
    const owner = await mfaUser(h);
    const slug = await newOrg(owner, 'sentry');
    const manager = await signUp(h);
    const late = await signUp(h);
    await join(owner, slug, manager, 'manager');
    await join(owner, slug, late, 'member');

    const enabled = await enforce(owner, slug, { noncompliant_action: 'remove' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.pending.map((person: { user_id: string }) => person.user_id).sort()).toEqual([manager.id, late.id].sort());
    const mail = await mailTo(manager.email, /^Mandatory: Enable Two-Factor Authentication$/);
    const rejoin = linkIn(mail, 'http://gatehouse.test/orgs/');
    expect(rejoin).toBe(`http://gatehouse.test/orgs/${slug}/rejoin`);

    const log = await call(h, 'GET', `/v1/orgs/${slug}/audit-log?action=member.pending`, { token: owner.token });
    expect(log.body.events.map((event: { target: string }) => event.target).sort()).toEqual([manager.id, late.id].sort());
    const edits = await call(h, 'GET', `/v1/orgs/${slug}/audit-log?action=org.edit`, { token: owner.token });
    expect(edits.body.events[0].data.changes.mfa_required).toEqual([false, true]);

    // Following the link: the rejoin page asks the access endpoint, then the member enrolls and rejoins.
    const pending = await call(h, 'GET', `/v1/orgs/${slug}/access`, { token: manager.token });
    expect(pending.body).toMatchObject({ allowed: false, code: 'membership_pending' });
    const early = await call(h, 'POST', `/v1/orgs/${slug}/reinstate`, { token: manager.token });
    expect([early.status, early.body.code]).toEqual([403, 'mfa_enrollment_required']);
    const enrolled = await enrollTotp(h, manager);
    const back = await call(h, 'POST', `/v1/orgs/${slug}/reinstate`, { token: enrolled.token });
    expect([back.status, back.body.role]).toEqual([200, 'manager']);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/audit-log?action=member.reinstate`, { token: owner.token })).body.events).toHaveLength(1);

    // "Ask an Owner or Manager to resend your invite", and after three months it is too late.
    await mailTo(late.email, /^Mandatory: Enable Two-Factor Authentication$/);
    expect((await call(h, 'POST', `/v1/orgs/${slug}/members/${late.id}/resend-invite`, { token: enrolled.token })).status).toBe(200);
    const resent = await mailTo(late.email, /^Mandatory: Enable Two-Factor Authentication$/);
    expect(linkIn(resent, 'http://gatehouse.test/orgs/')).toBe(`http://gatehouse.test/orgs/${slug}/rejoin`);
    await h.advance(91 * 86_400);
    const signedIn = await call(h, 'POST', '/v1/sessions', { body: { email: late.email, password: 'correct horse battery staple' } });
    const lateMfa = await enrollTotp(h, { ...late, token: signedIn.body.token });
    const expired = await call(h, 'POST', `/v1/orgs/${slug}/reinstate`, { token: lateMfa.token });
    expect([expired.status, expired.body.code]).toEqual([410, 'reinstatement_expired']);
  });
});
