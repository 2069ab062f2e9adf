import { expect } from 'vitest';
import type { Role } from '../../src/core/roles.ts';
import { call } from './client.ts';
import { mfaUser, signUp, type TestUser } from './flows.ts';
import type { Harness } from './harness.ts';

let slugCounter = 0;
export function uniqueSlug(label = 'org'): string {
  slugCounter += 1;
  return `${label}-${slugCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createOrg(h: Harness, owner: TestUser, slug = uniqueSlug()): Promise<string> {
  const created = await call(h, 'POST', '/v1/orgs', { token: owner.token, body: { slug, name: `Org ${slug}` } });
  if (created.status !== 201) throw new Error(`create org failed: ${created.status} ${JSON.stringify(created.body)}`);
  return slug;
}

/** Delivers queued mail now (the outbox worker is woken asynchronously after each commit). */
export async function flushMail(h: Harness): Promise<void> {
  await h.gatehouse.jobs.run('outbox');
}

/** The token in the newest invitation mail to this address, read from its plain-text part. */
export async function invitationTokenFor(h: Harness, email: string): Promise<string> {
  await flushMail(h);
  const mail = h.mail.filter((message) => message.to === email.toLowerCase() && /\/invitations\//.test(message.text)).at(-1);
  const match = mail && /http:\/\/gatehouse\.test\/invitations\/(ginv_[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no invitation mail to ${email}`);
  return match[1];
}

export async function invite(h: Harness, inviter: TestUser, slug: string, email: string, role: Role): Promise<{ id: string; token: string }> {
  const invited = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: inviter.token, body: { email, role } });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  return { id: invited.body.invitation.id, token: await invitationTokenFor(h, email) };
}

/** A new user who joined `slug` with `role` through the invitation flow (with MFA when asked). */
export async function addMember(h: Harness, owner: TestUser, slug: string, role: Role, options: { mfa?: boolean } = {}): Promise<TestUser> {
  const user = options.mfa === true ? await mfaUser(h) : await signUp(h);
  const { token } = await invite(h, owner, slug, user.email, role);
  const accepted = await call(h, 'POST', `/v1/invitations/${token}/accept`, { token: user.token });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return user;
}

/**
 * Turns MFA enforcement on straight in the database. The enforcement endpoint is written by
 * another part of the project (and has its own tests); these tests only need its result.
 */
export async function requireMfaDirectly(h: Harness, slug: string, extra: { grace_period_ends_at?: Date } = {}): Promise<void> {
  await h.gatehouse.deps.db.updateTable('orgs').set({ mfa_required: true, ...extra }).where('slug', '=', slug).execute();
}

/** Moves a member to pending straight in the database (what enforcement's `remove` action does). */
export async function makePendingDirectly(h: Harness, slug: string, userId: string, reinstateUntil: Date): Promise<void> {
  const org = await h.gatehouse.deps.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  await h.gatehouse.deps.db
    .updateTable('memberships')
    .set({ state: 'pending', pending_since: h.gatehouse.deps.clock.now(), reinstate_until: reinstateUntil })
    .where('org_id', '=', org.id)
    .where('user_id', '=', userId)
    .execute();
}

export async function auditActions(h: Harness, owner: TestUser, slug: string, query = ''): Promise<any[]> {
  const log = await call(h, 'GET', `/v1/orgs/${slug}/audit-log${query}`, { token: owner.token });
  if (log.status !== 200) throw new Error(`audit log failed: ${log.status} ${JSON.stringify(log.body)}`);
  return log.body.events;
}
