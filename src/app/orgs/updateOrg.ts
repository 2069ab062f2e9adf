import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { enterOrgForChange } from './enterOrgForChange.ts';
import { publicOrg, type PublicOrg } from './publicOrg.ts';

export type AuthMethod = 'password' | 'oidc';
const METHOD_ORDER: readonly AuthMethod[] = ['password', 'oidc'];

export interface OrgChanges {
  name?: string;
  allowed_auth_methods?: AuthMethod[];
}

/** Admins and owners edit settings; `org.edit` records `[old, new]` for each field that changed. */
export async function updateOrg(deps: AppDeps, actor: Actor, slug: string, input: OrgChanges): Promise<PublicOrg> {
  return transact(deps, async (tx) => {
    const { org } = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'admin' });
    const changes: Record<string, [unknown, unknown]> = {};
    const name = input.name?.trim();
    if (name !== undefined && name !== org.name) changes.name = [org.name, name];

    let methods: AuthMethod[] | undefined;
    if (input.allowed_auth_methods) {
      // Stored in one canonical order, so reordering the same set is no change.
      methods = METHOD_ORDER.filter((method) => input.allowed_auth_methods?.includes(method));
      const old = org.allowed_auth_methods;
      // Mackerel: without a password, members of an organization requiring MFA could sign in
      // only through an identity provider whose MFA Gatehouse cannot see.
      if (org.mfa_required && old.includes('password') && !methods.includes('password')) {
        throw new GatehouseError('password_method_required', 'an organization that requires MFA keeps the password method');
      }
      if (methods.join(',') !== METHOD_ORDER.filter((method) => old.includes(method)).join(',')) changes.allowed_auth_methods = [old, methods];
    }
    if (Object.keys(changes).length === 0) return publicOrg(org);

    await tx.r.orgs.update(org.id, {
      ...(changes.name ? { name } : {}),
      ...(changes.allowed_auth_methods && methods ? { allowed_auth_methods: methods } : {}),
    });
    tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes } });
    const updated = await tx.r.orgs.bySlug(org.slug);
    if (!updated) throw new Error('organization vanished inside its own transaction');
    return publicOrg(updated);
  });
}
