import { credentialFacts, decideAccess } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { Role } from '../../core/roles.ts';
import { hashToken, tokenKind } from '../../core/tokens.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { instancePolicy, throwDenied } from './enterOrg.ts';

export interface AcceptedInvitation {
  org: { slug: string; name: string };
  role: Role;
}

/**
 * The invitee joins. Checks in the contract's order: the token names an open invitation (404),
 * it was sent to the caller (403 forbidden), it has not expired (410), the caller is not already
 * in (409), and the caller passes the organization's MFA rule as a member would — except that a
 * grace period covers existing members only (Scaleway, DNSimple: invitees need MFA to join).
 * A refused invitation stays valid, so the invitee can enroll and come back to the same link.
 */
export async function acceptInvitation(deps: AppDeps, actor: Actor, token: string): Promise<AcceptedInvitation> {
  return transact(deps, async (tx) => {
    const invitation = tokenKind(token) === 'invitation' ? await tx.r.invitations.byTokenHash(hashToken(token)) : undefined;
    if (!invitation || invitation.accepted_at || invitation.revoked_at) throw new GatehouseError('not_found', 'no such invitation');
    if (invitation.email.toLowerCase() !== actor.email.toLowerCase()) {
      throw new GatehouseError('forbidden', 'this invitation was sent to another email address');
    }
    if (invitation.expires_at.getTime() <= tx.now.getTime()) throw new GatehouseError('invitation_expired', 'this invitation has expired: ask for a new one');

    const org = await tx.r.orgs.lockById(invitation.org_id);
    if (!org) throw new GatehouseError('not_found', 'no such invitation');
    const membership = await tx.r.orgs.membership(org.id, actor.userId);
    if (membership?.state === 'active') throw new GatehouseError('already_member', 'you are already a member of this organization');

    const mfa = await tx.r.factors.summary(actor.userId);
    const decision = decideAccess({
      membership: { role: invitation.role, state: 'active', reinstateUntil: null },
      instance: instancePolicy(deps.config),
      policy: { mfaRequired: org.mfa_required, gracePeriodEndsAt: null, requiredFactor: org.required_factor },
      user: mfa,
      credential: credentialFacts(actor.credential),
      channel: actor.channel,
      now: tx.now,
    });
    if (!decision.allowed) throwDenied(decision);

    // Compare-and-set: of two racing accepts, one wins and the other changes nothing.
    if (!(await tx.r.invitations.markAccepted(invitation.id, tx.now))) throw new GatehouseError('not_found', 'no such invitation');
    // A pending member (even one past the reinstatement window) has a row: it becomes active with the invited role.
    if (membership) await tx.r.orgs.activateMembership(org.id, actor.userId, invitation.role);
    else await tx.r.orgs.insertMembership({ orgId: org.id, userId: actor.userId, role: invitation.role, now: tx.now });
    tx.audit({
      orgId: org.id,
      action: 'member.join',
      actorId: actor.userId,
      targetId: actor.userId,
      data: { role: invitation.role, invitation_id: invitation.id, ...(membership ? { previous_state: membership.state } : {}) },
    });
    return { org: { slug: org.slug, name: org.name }, role: invitation.role };
  });
}
