import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg, instancePolicy } from './enterOrg.ts';
import { isGone } from './memberOf.ts';
import { publicMember, type PublicMember } from './publicMember.ts';

export interface MemberFilter {
  mfa?: 'enabled' | 'disabled';
  state?: 'active' | 'pending';
}

/** Any member sees who else is in the organization and who still lacks MFA (Sentry's members page). */
export async function listMembers(deps: AppDeps, actor: Actor, slug: string, filter: MemberFilter): Promise<PublicMember[]> {
  const r = repos(deps.db);
  const now = deps.clock.now();
  const { org } = await enterOrg(deps, r, actor, slug, now);
  const rows = await r.orgs.members(org.id, filter.state ? { state: filter.state } : {});
  return rows
    .filter((row) => !isGone(row, now))
    .map((row) => publicMember(row, org, instancePolicy(deps.config), now))
    .filter((member) => filter.mfa === undefined || member.mfa.enabled === (filter.mfa === 'enabled'));
}
