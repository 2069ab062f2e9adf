import { addSeconds } from '../../core/clock.ts';
import { REMINDER_INTERVAL_SECONDS } from '../../core/enforcementRules.ts';
import type { MemberRow } from '../../db/queries/orgs.ts';
import { reminderMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';
import { noncompliantMembers } from './compliance.ts';

export type SkipReason = 'not_a_member' | 'pending' | 'already_compliant' | 'recently_reminded';

export interface RemindersResult {
  sent: string[];
  skipped: { user_id: string; reason: SkipReason }[];
}

const CHUNK = 1000;

/**
 * `POST /v1/orgs/{slug}/mfa-reminders` (Platform.sh, Scaleway): mail members who lack MFA,
 * whether or not enforcement is on yet — reminding people is how an organization gets ready to
 * enforce. At most one reminder per member per organization per hour, so the endpoint cannot be
 * used to flood someone's inbox; the throttle is claimed by a conditional update, so two
 * concurrent requests never both mail the same member.
 */
export async function sendReminders(deps: AppDeps, actor: Actor, slug: string, input: { user_ids?: readonly string[] }): Promise<RemindersResult> {
  return transact(deps, async (tx) => {
    const { org } = await enterOrg(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const remindedBefore = addSeconds(tx.now, -REMINDER_INTERVAL_SECONDS);
    const skipped: RemindersResult['skipped'] = [];
    let claimed: { user_id: string; email: string }[];
    if (input.user_ids === undefined) {
      // Everyone non-compliant, in one set-based statement; then whoever it left out was throttled.
      claimed = await tx.r.orgs.claimNoncompliantReminders(org.id, org.required_factor, tx.now, remindedBefore);
      claimed.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
      const claimedIds = new Set(claimed.map((person) => person.user_id));
      for (const person of await noncompliantMembers(tx.r, org.id, org.required_factor)) {
        if (!claimedIds.has(person.user_id)) skipped.push({ user_id: person.user_id, reason: 'recently_reminded' });
      }
    } else {
      const rows = new Map<string, MemberRow>();
      for (let start = 0; start < input.user_ids.length; start += CHUNK) {
        for (const row of await tx.r.orgs.members(org.id, { userIds: input.user_ids.slice(start, start + CHUNK) })) rows.set(row.user_id, row);
      }
      const candidates: string[] = [];
      for (const userId of input.user_ids) {
        const reason = skipReason(rows.get(userId), { requiredFactor: org.required_factor, now: tx.now });
        if (reason) skipped.push({ user_id: userId, reason });
        else candidates.push(userId);
      }
      const claimedIds = new Set<string>();
      for (let start = 0; start < candidates.length; start += CHUNK) {
        for (const id of await tx.r.orgs.claimReminders(org.id, candidates.slice(start, start + CHUNK), tx.now, remindedBefore)) claimedIds.add(id);
      }
      claimed = [];
      for (const userId of candidates) {
        if (claimedIds.has(userId)) claimed.push({ user_id: userId, email: rows.get(userId)!.email });
        else skipped.push({ user_id: userId, reason: 'recently_reminded' });
      }
    }

    const deadline = org.mfa_required && org.grace_period_ends_at && org.grace_period_ends_at > tx.now ? org.grace_period_ends_at : null;
    const sent: string[] = [];
    for (const person of claimed) {
      sent.push(person.user_id);
      tx.mail(reminderMail({ to: person.email, org, publicUrl: deps.config.publicUrl, deadline }));
      tx.audit({ orgId: org.id, action: 'mfa.reminder', actorId: actor.userId, targetId: person.user_id, data: deadline ? { deadline: deadline.toISOString() } : {} });
    }
    return { sent, skipped };
  });
}

function skipReason(member: MemberRow | undefined, context: { requiredFactor: 'any' | 'phishing_resistant'; now: Date }): SkipReason | null {
  if (!member) return 'not_a_member';
  if (member.state === 'pending') {
    // Past the reinstatement window a pending member is gone, purged or not.
    return member.reinstate_until && member.reinstate_until > context.now ? 'pending' : 'not_a_member';
  }
  const compliant = context.requiredFactor === 'phishing_resistant' ? member.has_pr_factor : member.factor_types.length > 0;
  return compliant ? 'already_compliant' : null;
}
