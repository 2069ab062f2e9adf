import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { publicOrg, type PublicOrg } from './publicOrg.ts';

export async function createOrg(deps: AppDeps, actor: Actor, input: { slug: string; name: string }): Promise<PublicOrg> {
  return transact(deps, async (tx) => {
    if (await tx.r.orgs.bySlug(input.slug)) throw new GatehouseError('slug_taken', 'this slug is taken');
    const id = tx.id('org');
    await tx.r.orgs.insert({ id, slug: input.slug, name: input.name.trim(), plan: deps.config.defaultPlan, now: tx.now });
    await tx.r.orgs.insertMembership({ orgId: id, userId: actor.userId, role: 'owner', now: tx.now });
    tx.audit({ orgId: id, action: 'org.create', actorId: actor.userId, targetId: actor.userId, data: { slug: input.slug, plan: deps.config.defaultPlan } });
    tx.audit({ orgId: id, action: 'member.join', actorId: actor.userId, targetId: actor.userId, data: { role: 'owner' } });
    const org = await tx.r.orgs.bySlug(input.slug);
    if (!org) throw new Error('organization vanished inside its own transaction');
    return publicOrg(org);
  });
}
