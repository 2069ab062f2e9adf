/**
 * Threat: a manager's account (or a script holding its token) used as a mail cannon against an
 * address that never agreed to anything — by resending an invitation in a loop, by invite /
 * revoke / invite, or by resending a pending member's rejoin mail.
 * Rule: one invitation or rejoin mail per address per organization per minute
 * (src/core/invitationThrottle.ts); beyond it 429 too_many_requests with Retry-After, no mail
 * queued, no token renewed, no audit event.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../src/core/clock.ts';
import { INVITATION_MAIL_INTERVAL_SECONDS } from '../../src/core/invitationThrottle.ts';
import { call } from '../helpers/client.ts';
import { now, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, auditActions, createOrg, flushMail, makePendingDirectly } from '../helpers/orgFlows.ts';

let h: Harness;
let owner: TestUser;
let slug: string;
beforeAll(async () => {
  h = await startHarness();
  owner = await signUp(h);
  slug = await createOrg(h, owner);
});
afterAll(async () => {
  await h.close();
});

async function mailsTo(email: string): Promise<number> {
  await flushMail(h);
  return h.mail.filter((message) => message.to === email.toLowerCase()).length;
}

it('a resend within a minute of the last invitation mail is refused with 429 and Retry-After; after the minute it goes', async () => {
  const email = uniqueEmail('invitee');
  const invited = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email, role: 'member' } });
  expect(invited.status).toBe(201);
  const id = invited.body.invitation.id as string;
  const tokenHashBefore = (await h.gatehouse.deps.db.selectFrom('invitations').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow()).token_hash;

  await h.advance(INVITATION_MAIL_INTERVAL_SECONDS - 10);
  const early = await call(h, 'POST', `/v1/orgs/${slug}/invitations/${id}/resend`, { token: owner.token });
  expect([early.status, early.body.code]).toEqual([429, 'too_many_requests']);
  expect(early.headers['retry-after']).toBe('10');
  const row = await h.gatehouse.deps.db.selectFrom('invitations').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
  expect(row.token_hash).toBe(tokenHashBefore);
  expect(await mailsTo(email)).toBe(1);
  expect(await auditActions(h, owner, slug, '?action=invitation.resend')).toHaveLength(0);

  await h.advance(10);
  const resent = await call(h, 'POST', `/v1/orgs/${slug}/invitations/${id}/resend`, { token: owner.token });
  expect(resent.status).toBe(200);
  expect(await mailsTo(email)).toBe(2);
});

it('invite, revoke, invite again within the minute: the second invitation is refused, so the loop cannot mail', async () => {
  const email = uniqueEmail('looped');
  const first = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email, role: 'member' } });
  expect(first.status).toBe(201);
  expect((await call(h, 'DELETE', `/v1/orgs/${slug}/invitations/${first.body.invitation.id}`, { token: owner.token })).status).toBe(204);
  const again = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email, role: 'admin' } });
  expect([again.status, again.body.code]).toEqual([429, 'too_many_requests']);
  expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
  expect(await mailsTo(email)).toBe(1);
  // Correcting a role is still possible a minute later.
  await h.advance(INVITATION_MAIL_INTERVAL_SECONDS);
  const corrected = await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email, role: 'admin' } });
  expect(corrected.status).toBe(201);
  expect(await mailsTo(email)).toBe(2);
});

it('other addresses are not held back by one address being throttled', async () => {
  const a = uniqueEmail('a');
  const b = uniqueEmail('b');
  expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: a, role: 'member' } })).status).toBe(201);
  expect((await call(h, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: b, role: 'member' } })).status).toBe(201);
});

it("resending a pending member's rejoin mail: once, then 429 within the minute, then again after it", async () => {
  const member = await addMember(h, owner, slug, 'member');
  await makePendingDirectly(h, slug, member.id, addDays(now(h), 90));
  const before = await mailsTo(member.email);
  const path = `/v1/orgs/${slug}/members/${member.id}/resend-invite`;
  expect((await call(h, 'POST', path, { token: owner.token })).status).toBe(200);
  const again = await call(h, 'POST', path, { token: owner.token });
  expect([again.status, again.body.code]).toEqual([429, 'too_many_requests']);
  expect(await mailsTo(member.email)).toBe(before + 1);
  expect(await auditActions(h, owner, slug, '?action=member.rejoin_invite')).toHaveLength(1);
  await h.advance(INVITATION_MAIL_INTERVAL_SECONDS);
  expect((await call(h, 'POST', path, { token: owner.token })).status).toBe(200);
  expect(await mailsTo(member.email)).toBe(before + 2);
});
