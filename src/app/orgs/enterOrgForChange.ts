import type { Actor, AppDeps } from '../deps.ts';
import type { Repos } from '../../db/repos.ts';
import type { Role } from '../../core/roles.ts';
import { enterOrg, type OrgEntry } from './enterOrg.ts';

/**
 * `enterOrg` for use cases that change members or invitations. The organization's row lock comes
 * first, so membership changes (and enforcement, which takes the same lock) serialize: two owners
 * demoting each other at once cannot both pass the last-owner check. Everything read after the
 * lock, the access decision included, sees committed rows.
 */
export async function enterOrgForChange(
  deps: Pick<AppDeps, 'config'>,
  r: Repos,
  actor: Actor,
  slug: string,
  now: Date,
  options: { minRole?: Role } = {},
): Promise<OrgEntry> {
  const org = await r.orgs.bySlug(slug);
  if (org) await r.orgs.lockById(org.id);
  return enterOrg(deps, r, actor, slug, now, options);
}
