import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signInWithMfa, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { auditEvents, enforce, mailTo } from './enforcementFlows.ts';

/**
 * Platform.sh and Scaleway: managers remind members without MFA, one at a time or in bulk, before
 * or after enforcing. A member gets at most one reminder per organization per hour — the
 * endpoint must not become a way to flood someone's inbox, even when two requests race.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function remind(h: Harness, token: string, slug: string, body: Record<string, unknown> = {}) {
  return call(h, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body });
}

/** Reminders: the subject mentions two-factor authentication and the organization (contract). */
async function reminders(h: Harness, email: string, slug: string) {
  return (await mailTo(h, email, /two-factor authentication/i)).filter((mail) => mail.subject.includes(`Org ${slug}`));
}

describe('POST /v1/orgs/{slug}/mfa-reminders', () => {
  it('reminds one member before enforcement is on: mail naming the organization, linking to account security, audited', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager', { mfa: true });
    const plain = await addMember(h, owner, slug, 'member');

    const sent = await remind(h, manager.token, slug, { user_ids: [plain.id] });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ sent: [plain.id], skipped: [] });
    const mails = await reminders(h, plain.email, slug);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(`Org ${slug}`);
    expect(mails[0]!.text).toContain('http://gatehouse.test/account/security');
    const events = await auditEvents(h, slug, 'mfa.reminder');
    expect(events).toEqual([expect.objectContaining({ actor_id: manager.id, target_id: plain.id })]);
  });

  it('sends at most one reminder per member per hour (recently_reminded), then again after the hour', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    expect((await remind(h, owner.token, slug, { user_ids: [plain.id] })).body.sent).toEqual([plain.id]);

    const again = await remind(h, owner.token, slug, { user_ids: [plain.id] });
    expect(again.body).toEqual({ sent: [], skipped: [{ user_id: plain.id, reason: 'recently_reminded' }] });
    const bulk = await remind(h, owner.token, slug);
    expect(bulk.body).toEqual({ sent: [], skipped: [{ user_id: plain.id, reason: 'recently_reminded' }] });
    expect(await reminders(h, plain.email, slug)).toHaveLength(1);

    await h.advance(3600);
    // The owner's session timed out while the clock moved: sign in again.
    const later = await remind(h, (await signInWithMfa(h, owner)).token, slug, { user_ids: [plain.id] });
    expect(later.body.sent).toEqual([plain.id]);
    expect(await reminders(h, plain.email, slug)).toHaveLength(2);
  });

  it('without ids, reminds every non-compliant active member and nobody else', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const first = await addMember(h, owner, slug, 'member');
    const second = await addMember(h, owner, slug, 'manager');
    const compliant = await addMember(h, owner, slug, 'member', { mfa: true });

    const bulk = await remind(h, owner.token, slug);
    expect(bulk.status).toBe(200);
    expect([...bulk.body.sent].sort()).toEqual([first.id, second.id].sort());
    expect(bulk.body.skipped).toEqual([]);
    expect(await reminders(h, compliant.email, slug)).toHaveLength(0);
    expect(await reminders(h, owner.email, slug)).toHaveLength(0);
    expect(await auditEvents(h, slug, 'mfa.reminder')).toHaveLength(2);
  });

  it('skips, with a reason each: not_a_member, pending, already_compliant', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const compliant = await addMember(h, owner, slug, 'member', { mfa: true });
    const removed = await addMember(h, owner, slug, 'member');
    const outsider = await signUp(h);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' })).body.pending).toHaveLength(1);

    const answer = await remind(h, owner.token, slug, { user_ids: [outsider.id, 'usr_unknown', removed.id, compliant.id, owner.id] });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      sent: [],
      skipped: [
        { user_id: outsider.id, reason: 'not_a_member' },
        { user_id: 'usr_unknown', reason: 'not_a_member' },
        { user_id: removed.id, reason: 'pending' },
        { user_id: compliant.id, reason: 'already_compliant' },
        { user_id: owner.id, reason: 'already_compliant' },
      ],
    });
    // Past the 90 days to rejoin, a pending member is no member at all.
    await h.advance(91 * 86_400);
    const fresh = await signInWithMfa(h, owner);
    const later = await remind(h, fresh.token, slug, { user_ids: [removed.id] });
    expect(later.body.skipped).toEqual([{ user_id: removed.id, reason: 'not_a_member' }]);
  });

  it('mentions the grace deadline when one is running', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const enabled = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 14 });
    expect(enabled.status).toBe(200);
    expect((await remind(h, owner.token, slug)).body.sent).toEqual([plain.id]);
    const [mail] = await reminders(h, plain.email, slug);
    expect(mail?.text).toContain(new Date(enabled.body.grace_period_ends_at).toISOString());
  });

  it('is for managers and above, and validates the list (at most 1000 unique ids)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const plain = await addMember(h, owner, slug, 'member');
    const forbidden = await remind(h, plain.token, slug);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');

    for (const body of [{ user_ids: [plain.id, plain.id] }, { user_ids: Array.from({ length: 1001 }, (_, i) => `usr_${i}`) }, { user_ids: 'all' }, { everyone: true }]) {
      const refused = await remind(h, owner.token, slug, body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalid_request');
    }
    expect(await reminders(h, plain.email, slug)).toHaveLength(0);
  });

  it('two concurrent bulk reminders send one reminder per member between them', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const manager = await addMember(h, owner, slug, 'manager', { mfa: true });
    const members = [];
    for (let i = 0; i < 5; i += 1) members.push(await addMember(h, owner, slug, 'member'));

    const [a, b] = await Promise.all([remind(h, owner.token, slug), remind(h, manager.token, slug)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const sent = [...a.body.sent, ...b.body.sent].sort();
    expect(sent).toEqual(members.map((member) => member.id).sort());
    for (const member of members) expect(await reminders(h, member.email, slug), member.email).toHaveLength(1);
    expect(await auditEvents(h, slug, 'mfa.reminder')).toHaveLength(5);
  });
});
