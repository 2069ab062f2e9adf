import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { INVITATION_MAIL_INTERVAL_SECONDS, invitationMailTooSoon } from '../../core/invitationThrottle.ts';
import { rejoinMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';

/**
 * `POST /v1/orgs/{slug}/members/{user_id}/resend-invite` (Sentry: "ask an Owner or Manager to
 * resend your invite"): the same rejoin mail again, with the original deadline — resending does
 * not extend the 90 days. Audited as `member.rejoin_invite`. Throttled like invitation mail: once
 * a minute per member (429 too_many_requests).
 */
export async function resendRejoin(deps: AppDeps, actor: Actor, slug: string, userId: string): Promise<Record<string, never>> {
  return transact(deps, async (tx) => {
    const { org } = await enterOrg(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const [member] = await tx.r.orgs.members(org.id, { userIds: [userId] });
    const expired = member?.state === 'pending' && (!member.reinstate_until || member.reinstate_until.getTime() <= tx.now.getTime());
    if (!member || expired) throw new GatehouseError('not_found', 'no such member');
    if (member.state !== 'pending' || !member.reinstate_until) throw new GatehouseError('not_pending', 'this member is not pending');
    const claimed = await tx.r.orgs.claimRejoinMail(org.id, userId, tx.now, addSeconds(tx.now, -INVITATION_MAIL_INTERVAL_SECONDS));
    // The claim does not return when the last mail went, so Retry-After is the whole interval: an upper bound.
    if (!claimed) throw invitationMailTooSoon(INVITATION_MAIL_INTERVAL_SECONDS);
    tx.mail(rejoinMail({ to: member.email, org, publicUrl: deps.config.publicUrl, reinstateUntil: member.reinstate_until }));
    tx.audit({ orgId: org.id, action: 'member.rejoin_invite', actorId: actor.userId, targetId: userId, data: { reinstate_until: member.reinstate_until.toISOString() } });
    return {};
  });
}
