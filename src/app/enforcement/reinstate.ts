import { credentialFacts, decideAccess } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { Role } from '../../core/roles.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { instancePolicy } from '../orgs/enterOrg.ts';

/**
 * `POST /v1/orgs/{slug}/reinstate`, called by the pending member themselves (Sentry's rejoin).
 * It cannot go through enterOrg, whose decision refuses exactly these callers; it applies the
 * same decision to the membership as it would be once active, so a member rejoins only with a
 * credential that would be let in afterwards.
 */
export async function reinstate(deps: AppDeps, actor: Actor, slug: string): Promise<{ role: Role }> {
  return transact(deps, async (tx) => {
    const row = await tx.r.orgs.accessRow(slug, actor.userId);
    if (!row?.membership) throw new GatehouseError('not_found', 'no such organization');
    // Serializes with enforcement changes: a member reinstated without a factor while enforcement
    // is being switched on would otherwise slip past its list of non-compliant members.
    const org = await tx.r.orgs.lockById(row.org.id);
    if (!org) throw new GatehouseError('not_found', 'no such organization');
    const membership = row.membership;
    if (membership.state === 'active') throw new GatehouseError('not_pending', 'your membership is active');
    // A stored deadline compared with the clock: expired is expired whether or not a job purged it.
    if (!membership.reinstate_until || membership.reinstate_until.getTime() <= tx.now.getTime()) {
      throw new GatehouseError('reinstatement_expired', 'the time to rejoin has passed: ask for a new invitation');
    }
    const decision = decideAccess({
      membership: { role: membership.role, state: 'active', reinstateUntil: null },
      instance: instancePolicy(deps.config),
      policy: { mfaRequired: org.mfa_required, gracePeriodEndsAt: null, requiredFactor: org.required_factor },
      user: { hasFactor: row.hasFactor, hasPhishingResistantFactor: row.hasPhishingResistantFactor },
      credential: credentialFacts(actor.credential),
      channel: actor.channel,
      now: tx.now,
    });
    if (!decision.allowed) {
      if (decision.code === 'mfa_step_up_required') throw new GatehouseError('mfa_step_up_required', 'sign in with your second factor to rejoin');
      throw new GatehouseError('mfa_enrollment_required', 'enable two-factor authentication to rejoin this organization');
    }
    const role = await tx.r.orgs.reinstate(org.id, actor.userId, tx.now);
    if (!role) throw new GatehouseError('not_pending', 'your membership is not pending');
    tx.audit({ orgId: org.id, action: 'member.reinstate', actorId: actor.userId, targetId: actor.userId, data: { role } });
    return { role };
  });
}
