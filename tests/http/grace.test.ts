import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepGraceDeadlines } from '../../src/app/enforcement/sweepGraceDeadlines.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, PASSWORD, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { accessOf, auditEvents, enforce, longLived, mailTo, membershipRow, REJOIN_SUBJECT } from './enforcementFlows.ts';

/**
 * Grace periods: with `block` or `remove`, the action applies only once the deadline fixed at
 * enabling time has passed. Access compares that stored deadline with the clock on every
 * request; the sweep job only carries out `remove` (pending state, mail, audit) afterwards.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const DAY_MS = 86_400_000;

describe('block with a grace period', () => {
  it('lets non-compliant members in until the deadline (access: grace, with the deadline), then refuses them', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await longLived(h, await addMember(h, owner, slug, 'member'));

    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block', grace_period_days: 7 });
    expect(enabled.status).toBe(200);
    const deadline = Date.parse(enabled.body.grace_period_ends_at);
    expect(deadline - Date.parse(enabled.body.enabled_at)).toBe(7 * DAY_MS);
    expect((await auditEvents(h, slug, 'org.edit'))[0]?.data.changes.grace_period_ends_at).toEqual([null, enabled.body.grace_period_ends_at]);

    const during = await accessOf(h, plain, slug);
    expect(during).toMatchObject({ allowed: true, role: 'member' });
    expect(Date.parse(during.deadline)).toBe(deadline);
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: plain.token })).status).toBe(200);

    await h.advance(7 * 86_400 + 60);
    const after = await accessOf(h, plain, slug);
    expect(after).toMatchObject({ allowed: false, code: 'mfa_enrollment_required' });
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: plain.token })).body.code).toBe('mfa_enrollment_required');
    // block writes nothing at the deadline: the member is still an active member.
    expect((await membershipRow(h, slug, plain.id))?.state).toBe('active');
    expect(await auditEvents(h, slug, 'member.pending')).toEqual([]);
  });
});

describe('remove with a grace period', () => {
  it('moves nobody at first; at the deadline the sweep moves those still without MFA, dating it from the deadline', async () => {
    const owner = await longLived(h, await mfaUser(h));
    const slug = await createOrg(h, owner);
    const lagging = await longLived(h, await addMember(h, owner, slug, 'manager'));
    const diligent = await addMember(h, owner, slug, 'member');

    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 30 });
    expect(enabled.status).toBe(200);
    expect(enabled.body.pending).toEqual([]);
    expect(enabled.body.compliance.noncompliant).toHaveLength(2);
    const deadline = new Date(enabled.body.grace_period_ends_at);
    expect(await accessOf(h, lagging, slug)).toMatchObject({ allowed: true, deadline: deadline.toISOString() });
    expect(await mailTo(h, lagging.email, REJOIN_SUBJECT)).toEqual([]);

    await h.advance(10 * 86_400);
    // The diligent member enrolls during the grace period (their session timed out meanwhile).
    await enrollTotp(h, await signInPlain(diligent));
    // A later PUT keeps the deadline fixed when enforcement was switched on.
    const again = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 90 });
    expect(again.status).toBe(200);
    expect(again.body.grace_period_ends_at).toBe(enabled.body.grace_period_ends_at);
    expect(await membershipRow(h, slug, lagging.id)).toMatchObject({ state: 'active' });

    // Past the deadline, through the contract's clock endpoint: due jobs run before it answers.
    const moved = await call(h, 'POST', '/v1/test/clock', { body: { advance_seconds: 20 * 86_400 + 60 } });
    expect(moved.status).toBe(200);
    const row = await membershipRow(h, slug, lagging.id);
    expect(row).toMatchObject({ state: 'pending', role: 'manager' });
    expect(row!.pending_since!.getTime()).toBe(deadline.getTime());
    expect(row!.reinstate_until!.getTime()).toBe(deadline.getTime() + 90 * DAY_MS);
    expect(await membershipRow(h, slug, diligent.id)).toMatchObject({ state: 'active' });
    expect(await accessOf(h, lagging, slug)).toMatchObject({ allowed: false, code: 'membership_pending' });

    const events = await auditEvents(h, slug, 'member.pending');
    expect(events).toEqual([expect.objectContaining({ actor_id: null, target_id: lagging.id, data: expect.objectContaining({ reason: 'grace_period_ended', role: 'manager' }) })]);
    expect(await mailTo(h, lagging.email, REJOIN_SUBJECT)).toHaveLength(1);

    // Idempotent: running the sweep again (or on another instance) changes nothing.
    expect(await sweepGraceDeadlines(h.gatehouse.deps)).toBe(0);
    await h.advance(60);
    expect(await auditEvents(h, slug, 'member.pending')).toHaveLength(1);
    expect(await mailTo(h, lagging.email, REJOIN_SUBJECT)).toHaveLength(1);
  });

  it('the 90 days to rejoin count from the deadline, not from when the sweep happened to run', async () => {
    const owner = await longLived(h, await mfaUser(h));
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 1 })).status).toBe(200);
    // Time moves without the sweep running (a server that was down over the deadline)…
    h.gatehouse.testClock!.advance(1 * 86_400 + 89 * 86_400 + 3600);
    expect(await sweepGraceDeadlines(h.gatehouse.deps)).toBeGreaterThanOrEqual(1);
    // …so the member, moved late, has under a day left of the 90 counted from the deadline.
    const row = await membershipRow(h, slug, plain.id);
    expect(row!.reinstate_until!.getTime() - h.gatehouse.deps.clock.now().getTime()).toBeLessThan(DAY_MS);
    expect(row!.reinstate_until!.getTime()).toBeGreaterThan(h.gatehouse.deps.clock.now().getTime());
  });
});

describe('the sweep job between full sweeps', () => {
  it('picks up a deadline reached since its previous run (runs minutes apart, no hourly full sweep in between)', async () => {
    const owner = await longLived(h, await mfaUser(h));
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 1 });
    expect(enabled.status).toBe(200);
    await h.advance(86_400 - 120); // the day jump makes this run a full sweep; the deadline is still ahead
    await h.advance(60);
    expect(await membershipRow(h, slug, plain.id)).toMatchObject({ state: 'active' });
    await h.advance(120); // minutes after the full sweep: only recent deadlines are looked at
    const row = await membershipRow(h, slug, plain.id);
    expect(row).toMatchObject({ state: 'pending' });
    expect(row!.pending_since!.toISOString()).toBe(enabled.body.grace_period_ends_at);
  });
});

/** A password-only session (the member has no MFA yet): sessions time out while the clock moves. */
async function signInPlain(user: TestUser): Promise<TestUser> {
  const session = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  return { ...user, token: session.body.token };
}
