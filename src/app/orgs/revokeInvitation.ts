import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { requireInviteRole } from './inviteMember.ts';
import { openInvitation } from './openInvitation.ts';

/** Revokes an open invitation; its link stops working at once. */
export async function revokeInvitation(deps: AppDeps, actor: Actor, slug: string, invitationId: string): Promise<void> {
  await transact(deps, async (tx) => {
    const entry = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const invitation = await openInvitation(tx.r, entry.org.id, invitationId);
    requireInviteRole(entry.role, invitation.role);
    await tx.r.invitations.revoke(invitation.id, tx.now);
    tx.audit({ orgId: entry.org.id, action: 'invitation.revoke', actorId: actor.userId, data: { invitation_id: invitation.id, email: invitation.email, role: invitation.role } });
  });
}
