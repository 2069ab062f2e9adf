import { GatehouseError } from '../../core/errors.ts';
import { factorCounts } from '../../core/enforcementRules.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { moveToPending } from '../enforcement/moveToPending.ts';
import { orgRefs } from '../orgs/orgRefs.ts';
import { transact } from '../transact.ts';
import { recordFactorChange } from './recordFactorChange.ts';
import { requireRecentSignIn, requireStepUp } from './requireRecentSignIn.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';

/**
 * Deleting a factor. When it is the last one that counts for an organization requiring MFA:
 * an owner is refused (Mackerel: the organization must stay manageable); a member must say they
 * accept losing access (DNSimple removes such a member at once), and then loses it as each
 * organization's non-compliance action says.
 */
export async function deleteFactor(deps: AppDeps, actor: Actor, input: { factorId: string; acknowledgeLeavingOrganizations?: boolean }): Promise<void> {
  requireSessionCredential(actor);
  await transact(deps, async (tx) => {
    await tx.r.users.lock(actor.userId);
    // Before reading any organization's policy: an enforcement switched on concurrently must
    // either see this deletion or be seen by it (never leave an active member without MFA).
    await tx.r.orgs.lockOrgsOfUser(actor.userId);
    const factor = await tx.r.factors.byId(actor.userId, input.factorId);
    if (!factor) throw new GatehouseError('not_found', 'no factor with this id');
    if (!factor.confirmed_at) {
      // An enrollment never confirmed protects nothing; abandoning it needs no ceremony.
      await tx.r.factors.delete(factor.id);
      return;
    }
    const remaining = (await tx.r.factors.listActive(actor.userId)).filter((other) => other.id !== factor.id);
    const affected = (await tx.r.orgs.mfaOrgsOfUser(actor.userId, tx.now)).filter(
      (org) => !remaining.some((other) => factorCounts({ requiredFactor: org.required_factor, phishingResistant: other.phishing_resistant })),
    );
    const owned = affected.filter((org) => org.role === 'owner' && org.state === 'active');
    if (owned.length > 0) {
      throw new GatehouseError('mfa_required_by_organization', 'an owner of an organization that requires MFA keeps a factor', {
        extra: { organizations: orgRefs(owned) },
      });
    }
    const activeAffected = affected.filter((org) => org.state === 'active');
    if (activeAffected.length > 0 && input.acknowledgeLeavingOrganizations !== true) {
      throw new GatehouseError('would_leave_organizations', 'deleting this factor removes your access to organizations that require MFA', {
        extra: { organizations: orgRefs(activeAffected) },
      });
    }
    requireStepUp(actor);
    requireRecentSignIn(deps, actor, tx.now);

    await tx.r.factors.delete(factor.id);
    const lastFactor = remaining.length === 0;
    if (lastFactor) await tx.r.factors.replaceRecoveryCodes(actor.userId, [], tx.now);
    for (const org of activeAffected) {
      // `block` needs no write: the access decision sees the missing factor on every request.
      if (org.noncompliant_action === 'block') continue;
      await moveToPending(deps, tx, { org, userIds: [actor.userId], actorId: actor.userId, reason: 'factor_deleted', pendingSince: tx.now });
    }
    await recordFactorChange(deps, tx, {
      userId: actor.userId,
      email: actor.email,
      action: 'mfa.disable',
      factorId: factor.id,
      factorType: factor.type,
      lastFactor,
    });
    // ASVS 7.4.3: other sessions may belong to whoever made this change necessary.
    await tx.r.credentials.revokeOtherSessions(actor.userId, actor.credential.id, tx.now);
  });
}
