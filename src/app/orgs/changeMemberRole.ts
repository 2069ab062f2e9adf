import { GatehouseError } from '../../core/errors.ts';
import { canManageRole, type Role } from '../../core/roles.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import type { Repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { instancePolicy } from './enterOrg.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { memberOf } from './memberOf.ts';
import { publicMember, type PublicMember } from './publicMember.ts';
import { requireAnotherOwner } from './requireAnotherOwner.ts';
import { requireTargetMfa } from './requireTargetMfa.ts';

async function memberView(deps: AppDeps, r: Repos, org: OrgRow, userId: string, now: Date): Promise<PublicMember> {
  const [row] = await r.orgs.members(org.id, { userIds: [userId] });
  if (!row) throw new Error('member vanished inside its own transaction');
  return publicMember(row, org, instancePolicy(deps.config), now);
}

/**
 * Managers and above change roles within their own rank (canManageRole: nobody grants above their
 * own role, only owners touch owners). Checks in order: the target exists, the rank rules, then
 * the conflicts that a different target or role would avoid.
 */
export async function changeMemberRole(deps: AppDeps, actor: Actor, slug: string, userId: string, newRole: Role): Promise<PublicMember> {
  return transact(deps, async (tx) => {
    const entry = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'manager' });
    const { org } = entry;
    const target = await memberOf(tx.r, org.id, userId, tx.now);
    if (!canManageRole({ actor: entry.role, target: target.role, newRole })) {
      throw new GatehouseError('forbidden', 'your role cannot give this role to this member');
    }
    if (newRole === target.role) return memberView(deps, tx.r, org, userId, tx.now);
    if (newRole === 'owner') {
      // An owner must be able to get in: a pending member cannot, until they rejoin.
      if (target.state === 'pending') throw new GatehouseError('forbidden', 'a pending member must rejoin before becoming an owner');
      await requireTargetMfa(tx.r, org, userId);
    }
    if (target.role === 'owner' && target.state === 'active') await requireAnotherOwner(tx.r, org.id, userId);

    await tx.r.orgs.setRole(org.id, userId, newRole);
    tx.audit({ orgId: org.id, action: 'member.role_change', actorId: actor.userId, targetId: userId, data: { old_role: target.role, new_role: newRole } });
    return memberView(deps, tx.r, org, userId, tx.now);
  });
}
