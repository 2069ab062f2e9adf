import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrgForChange } from '../orgs/enterOrgForChange.ts';
import { transact } from '../transact.ts';
import { ssoSummary } from './publicSsoConfig.ts';

/**
 * Turns single sign-on off for the organization. Linked identities stay (the same IdP may be
 * configured again, or by another organization); sessions already issued run their course.
 */
export async function deleteSsoConfig(deps: AppDeps, actor: Actor, slug: string): Promise<void> {
  await transact(deps, async (tx) => {
    const { org } = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'admin' });
    const old = await tx.r.sso.config(org.id);
    if (!old || !(await tx.r.sso.deleteConfig(org.id))) throw new GatehouseError('not_found', 'this organization has no single sign-on settings');
    tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes: { sso: [ssoSummary(old), null] } } });
  });
}
