import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { memberOf } from './memberOf.ts';
import { requireTargetMfa } from './requireTargetMfa.ts';

export interface OwnershipTransfer {
  owner: { user_id: string; email: string };
  previous_owner_role: 'admin';
}

const PREVIOUS_OWNER_ROLE = 'admin' as const;

/** An owner hands ownership to an active member and stays on as an admin. */
export async function transferOwnership(deps: AppDeps, actor: Actor, slug: string, userId: string): Promise<OwnershipTransfer> {
  return transact(deps, async (tx) => {
    const { org } = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'owner' });
    if (userId === actor.userId) {
      throw new GatehouseError('invalid_request', 'you already own this organization', {
        extra: { errors: [{ field: 'user_id', in: 'body', message: 'is the caller' }] },
      });
    }
    const target = await memberOf(tx.r, org.id, userId, tx.now);
    // A pending member has no access; an owner who cannot get in is no owner.
    if (target.state !== 'active') throw new GatehouseError('not_found', 'no active member with this id');
    await requireTargetMfa(tx.r, org, userId);
    const user = await tx.r.users.byId(userId);
    if (!user) throw new GatehouseError('not_found', 'no active member with this id');

    await tx.r.orgs.setRole(org.id, userId, 'owner');
    await tx.r.orgs.setRole(org.id, actor.userId, PREVIOUS_OWNER_ROLE);
    tx.audit({
      orgId: org.id,
      action: 'org.ownership_transfer',
      actorId: actor.userId,
      targetId: userId,
      data: { new_owner_old_role: target.role, previous_owner_role: PREVIOUS_OWNER_ROLE },
    });
    return { owner: { user_id: userId, email: user.email }, previous_owner_role: PREVIOUS_OWNER_ROLE };
  });
}
