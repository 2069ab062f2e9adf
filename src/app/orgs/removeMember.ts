import { GatehouseError } from '../../core/errors.ts';
import { canManageRole } from '../../core/roles.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { memberOf } from './memberOf.ts';
import { requireAnotherOwner } from './requireAnotherOwner.ts';

/**
 * Removes a member (managers and above, within their rank), or the caller themselves (leaving).
 * Pending members can be removed too: that ends their way back. The last active owner stays.
 */
export async function removeMember(deps: AppDeps, actor: Actor, slug: string, userId: string): Promise<void> {
  await transact(deps, async (tx) => {
    const leaving = userId === actor.userId;
    const entry = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, leaving ? {} : { minRole: 'manager' });
    const { org } = entry;
    const target = await memberOf(tx.r, org.id, userId, tx.now);
    if (!leaving && !canManageRole({ actor: entry.role, target: target.role })) {
      throw new GatehouseError('forbidden', 'your role cannot remove this member');
    }
    if (target.role === 'owner' && target.state === 'active') await requireAnotherOwner(tx.r, org.id, userId);

    await tx.r.orgs.deleteMembership(org.id, userId);
    tx.audit({
      orgId: org.id,
      action: 'member.remove',
      actorId: actor.userId,
      targetId: userId,
      data: { role: target.role, state: target.state, reason: leaving ? 'left' : 'removed' },
    });
  });
}
