import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { publicSsoConfig, type PublicSsoConfig } from './publicSsoConfig.ts';

/** Admins and owners read the settings (without the client secret); 404 when none are set. */
export async function getSsoConfig(deps: AppDeps, actor: Actor, slug: string): Promise<PublicSsoConfig> {
  const r = repos(deps.db);
  const { org } = await enterOrg(deps, r, actor, slug, deps.clock.now(), { minRole: 'admin' });
  const row = await r.sso.config(org.id);
  if (!row) throw new GatehouseError('not_found', 'this organization has no single sign-on settings');
  return publicSsoConfig(row, org.slug, deps.config);
}
