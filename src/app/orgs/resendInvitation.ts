import { addDays, addSeconds } from '../../core/clock.ts';
import { INVITATION_MAIL_INTERVAL_SECONDS, invitationMailTooSoon, invitationRetryAfter } from '../../core/invitationThrottle.ts';
import { hashToken, newToken } from '../../core/tokens.ts';
import { invitationMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { requireInviteRole } from './inviteMember.ts';
import { openInvitation } from './openInvitation.ts';
import { publicInvitation, type PublicInvitation } from './publicInvitation.ts';

/**
 * Sends the invitation again with a new token and a new expiry. The old link stops working:
 * a resend is what people ask for when they fear the first mail went astray. At most one
 * invitation mail per address per minute (src/core/invitationThrottle.ts): 429 too_many_requests.
 */
export async function resendInvitation(deps: AppDeps, actor: Actor, slug: string, invitationId: string): Promise<PublicInvitation> {
  return transact(deps, async (tx) => {
    const entry = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const invitation = await openInvitation(tx.r, entry.org.id, invitationId);
    requireInviteRole(entry.role, invitation.role);
    const token = newToken(deps.random, 'invitation');
    const expiresAt = addDays(tx.now, deps.config.invitationDays);
    const renewed = await tx.r.invitations.renew(invitation.id, {
      tokenHash: hashToken(token),
      expiresAt,
      now: tx.now,
      sentBefore: addSeconds(tx.now, -INVITATION_MAIL_INTERVAL_SECONDS),
    });
    if (!renewed) throw invitationMailTooSoon(invitationRetryAfter({ lastSentAt: invitation.last_sent_at, now: tx.now }));
    tx.audit({ orgId: entry.org.id, action: 'invitation.resend', actorId: actor.userId, data: { invitation_id: invitation.id, email: invitation.email, role: invitation.role } });
    tx.mail(invitationMail({ to: invitation.email, org: entry.org, role: invitation.role, inviter: actor.email, publicUrl: deps.config.publicUrl, token, expiresAt }));
    return publicInvitation({ ...invitation, expires_at: expiresAt });
  });
}
