import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { publicOrg, type PublicOrg } from '../orgs/publicOrg.ts';
import { transact } from '../transact.ts';

/** Instance administrators are named by email in the configuration (GATEHOUSE_ADMIN_EMAILS). */
export function isInstanceAdmin(deps: AppDeps, actor: Actor): boolean {
  return deps.config.adminEmails.has(actor.email.toLowerCase());
}

/**
 * Sets an organization's plan. Not organization-scoped: instance administrators need no
 * membership. Anyone else is refused before anything is looked up, so the endpoint reveals
 * neither which organizations exist nor which plans are configured.
 */
export async function setPlan(deps: AppDeps, actor: Actor, slug: string, plan: string): Promise<PublicOrg> {
  if (!isInstanceAdmin(deps, actor)) throw new GatehouseError('forbidden', 'only instance administrators set plans');
  if (!Object.hasOwn(deps.plans, plan)) {
    throw new GatehouseError('invalid_request', 'no such plan', {
      extra: { errors: [{ field: 'plan', in: 'body', message: `is not one of: ${Object.keys(deps.plans).join(', ')}` }] },
    });
  }
  return transact(deps, async (tx) => {
    const found = await tx.r.orgs.bySlug(slug);
    const org = found ? await tx.r.orgs.lockById(found.id) : undefined;
    if (!org) throw new GatehouseError('not_found', 'no such organization');
    if (org.plan === plan) return publicOrg(org);
    await tx.r.orgs.update(org.id, { plan });
    tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes: { plan: [org.plan, plan] } } });
    return publicOrg({ ...org, plan });
  });
}
