import { GatehouseError } from '../../core/errors.ts';
import type { MembershipRow } from '../../db/queries/orgs.ts';
import type { Repos } from '../../db/repos.ts';

/** A pending member past the reinstatement window is gone, whether or not a job has purged the row yet. */
export function isGone(membership: Pick<MembershipRow, 'state' | 'reinstate_until'>, now: Date): boolean {
  return membership.state === 'pending' && (!membership.reinstate_until || membership.reinstate_until.getTime() <= now.getTime());
}

/** The membership an endpoint acts on, or 404 `not_found`. */
export async function memberOf(r: Repos, orgId: string, userId: string, now: Date): Promise<MembershipRow> {
  const membership = await r.orgs.membership(orgId, userId);
  if (!membership || isGone(membership, now)) throw new GatehouseError('not_found', 'no such member');
  return membership;
}
