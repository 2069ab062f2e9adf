import { checkDisableEnforcement } from '../../core/enforcementRules.ts';
import { GatehouseError } from '../../core/errors.ts';
import { enforcementStoppedMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';
import { enforcementChanges, type EnforcementSettings } from './enforcementChanges.ts';
import { enforcementState, type EnforcementState } from './getEnforcement.ts';

/**
 * `DELETE /v1/orgs/{slug}/mfa-enforcement` (Scaleway: type STOP). Nothing is written per member:
 * blocked members regain access because access is computed from the policy on every request,
 * and pending members stay pending until they reinstate themselves (now without needing a factor).
 * Every owner is told, so a compromised admin cannot quietly lower the organization's guard.
 * Stopping enforcement that is not on changes nothing and writes no event.
 */
export async function disableEnforcement(deps: AppDeps, actor: Actor, slug: string, input: { confirm: string }): Promise<EnforcementState> {
  return transact(deps, async (tx) => {
    const entry = await enterOrg(deps, tx.r, actor, slug, tx.now, { minRole: 'admin' });
    checkDisableEnforcement(input);
    const org = await tx.r.orgs.lockById(entry.org.id);
    if (!org) throw new GatehouseError('not_found', 'no such organization');
    if (!org.mfa_required) return enforcementState(tx.r, org);

    // The action and factor rule stay stored (shown as the last ones used); the deadline goes.
    const next: EnforcementSettings = { ...org, mfa_required: false, grace_period_ends_at: null, mfa_enabled_at: null, mfa_enabled_by: null };
    await tx.r.orgs.update(org.id, {
      mfa_required: false,
      grace_period_ends_at: null,
      mfa_enabled_at: null,
      mfa_enabled_by: null,
    });
    tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes: enforcementChanges(org, next) } });

    const ownerIds = await tx.r.orgs.activeOwnerIds(org.id);
    for (const owner of await tx.r.orgs.members(org.id, { userIds: ownerIds })) {
      tx.mail(enforcementStoppedMail({ to: owner.email, org, actorEmail: actor.email, publicUrl: deps.config.publicUrl }));
    }
    return enforcementState(tx.r, { ...org, ...next });
  });
}
