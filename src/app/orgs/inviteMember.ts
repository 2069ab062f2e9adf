import { addDays } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { canManageRole, type Role } from '../../core/roles.ts';
import { invitationMailTooSoon, invitationRetryAfter } from '../../core/invitationThrottle.ts';
import { hashToken, newToken } from '../../core/tokens.ts';
import { invitationMail } from '../../mail/templates.ts';
import { normalizeEmail } from '../accounts/signUp.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { publicInvitation, type PublicInvitation } from './publicInvitation.ts';

/** Nobody invites to a role above their own, and only owners invite owners (as for role changes). */
export function requireInviteRole(actorRole: Role, role: Role): void {
  if (!canManageRole({ actor: actorRole, target: role, newRole: role })) {
    throw new GatehouseError('forbidden', 'your role cannot invite to this role');
  }
}

/**
 * Managers and above invite by email. Inviting is not restricted while the organization requires
 * MFA (DNSimple): the check happens when the invitation is accepted. The raw token leaves only in
 * the mail; the database keeps its hash.
 */
export async function inviteMember(deps: AppDeps, actor: Actor, slug: string, input: { email: string; role: Role }): Promise<PublicInvitation> {
  return transact(deps, async (tx) => {
    const entry = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const { org } = entry;
    requireInviteRole(entry.role, input.role);
    const email = normalizeEmail(input.email);
    const user = await tx.r.users.byEmail(email);
    const membership = user ? await tx.r.orgs.membership(org.id, user.id) : undefined;
    // A pending member may be invited: accepting brings them back with the invited role.
    if (membership?.state === 'active') throw new GatehouseError('already_member', 'this person is already a member');

    // Counted over every invitation to the address, revoked ones included: otherwise invite,
    // revoke, invite again would mail without limit.
    const retryAfter = invitationRetryAfter({ lastSentAt: await tx.r.invitations.lastSentTo(org.id, email), now: tx.now });
    if (retryAfter > 0) throw invitationMailTooSoon(retryAfter);
    // One working link per address: a new invitation replaces the open one.
    await tx.r.invitations.revokeOpenFor(org.id, email, tx.now);
    const token = newToken(deps.random, 'invitation');
    const id = tx.id('inv');
    const expiresAt = addDays(tx.now, deps.config.invitationDays);
    await tx.r.invitations.insert({ id, orgId: org.id, email, role: input.role, tokenHash: hashToken(token), invitedBy: actor.userId, now: tx.now, expiresAt });
    tx.audit({ orgId: org.id, action: 'member.invite', actorId: actor.userId, targetId: user?.id ?? null, data: { invitation_id: id, email, role: input.role } });
    tx.mail(invitationMail({ to: email, org, role: input.role, inviter: actor.email, publicUrl: deps.config.publicUrl, token, expiresAt }));
    return publicInvitation({ id, email, role: input.role, invited_by: actor.userId, created_at: tx.now, expires_at: expiresAt });
  });
}
