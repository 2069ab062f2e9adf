import type { OutgoingMail } from '../../src/mail/transport.ts';
import { call, type Response } from '../helpers/client.ts';
import type { TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { flushMail } from '../helpers/orgFlows.ts';

/** Shared steps of the enforcement test files (PUT/DELETE the policy, read access, mail, audit). */

export function enforce(h: Harness, actor: TestUser, slug: string, body: Record<string, unknown> = { confirm: 'ENFORCE' }): Promise<Response> {
  return call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: actor.token, body });
}

export function stopEnforcing(h: Harness, actor: TestUser, slug: string, confirm = 'STOP'): Promise<Response> {
  return call(h, 'DELETE', `/v1/orgs/${slug}/mfa-enforcement`, { token: actor.token, body: { confirm } });
}

export async function enforcementOf(h: Harness, actor: TestUser, slug: string): Promise<any> {
  const state = await call(h, 'GET', `/v1/orgs/${slug}/mfa-enforcement`, { token: actor.token });
  if (state.status !== 200) throw new Error(`GET mfa-enforcement failed: ${state.status} ${JSON.stringify(state.body)}`);
  return state.body;
}

/** `GET /v1/orgs/{slug}/access`: the decision answered instead of enforced. */
export async function accessOf(h: Harness, actor: TestUser, slug: string): Promise<any> {
  const answer = await call(h, 'GET', `/v1/orgs/${slug}/access`, { token: actor.token });
  if (answer.status !== 200) throw new Error(`access failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Mail delivered so far to this address (after letting the outbox worker run). */
export async function mailTo(h: Harness, email: string, subject?: RegExp): Promise<OutgoingMail[]> {
  await flushMail(h);
  return h.mail.filter((mail) => mail.to === email && (!subject || subject.test(mail.subject)));
}

export const REJOIN_SUBJECT = /^Mandatory: Enable Two-Factor Authentication$/;

/**
 * Audit events straight from the table, oldest first. Tests here count events (e.g. exactly one
 * `member.pending` per member after a race), which the paged, role-checked audit-log endpoint
 * is not the right tool for.
 */
export async function auditEvents(h: Harness, slug: string, action?: string): Promise<{ action: string; actor_id: string | null; target_id: string | null; data: any }[]> {
  let query = h.gatehouse.deps.db
    .selectFrom('audit_events as e')
    .innerJoin('orgs as o', 'o.id', 'e.org_id')
    .select(['e.action', 'e.actor_id', 'e.target_id', 'e.data'])
    .where('o.slug', '=', slug);
  if (action) query = query.where('e.action', '=', action);
  return query.orderBy('e.seq').execute();
}

/**
 * A personal access token carrying the assurance of the user's current session, valid a year:
 * sessions time out after an hour idle, and these tests move the clock by days.
 */
export async function longLived(h: Harness, user: TestUser): Promise<TestUser> {
  const created = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'test', expires_in_days: 366 } });
  if (created.status !== 201) throw new Error(`token failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { ...user, token: created.body.token };
}

/** Test setup only: plans are set by instance administrators, which is not what these tests are about. */
export async function setPlanDirectly(h: Harness, slug: string, plan: string): Promise<void> {
  await h.gatehouse.deps.db.updateTable('orgs').set({ plan }).where('slug', '=', slug).execute();
}

export async function membershipRow(h: Harness, slug: string, userId: string): Promise<{ state: string; role: string; pending_since: Date | null; reinstate_until: Date | null } | undefined> {
  return h.gatehouse.deps.db
    .selectFrom('memberships as m')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['m.state', 'm.role', 'm.pending_since', 'm.reinstate_until'])
    .where('o.slug', '=', slug)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
}
