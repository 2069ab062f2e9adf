import { GatehouseError } from '../../core/errors.ts';
import type { Repos } from '../../db/repos.ts';

/** An organization always keeps an owner who can get in: the last active one can be neither demoted nor removed. */
export async function requireAnotherOwner(r: Repos, orgId: string, userId: string): Promise<void> {
  const owners = await r.orgs.activeOwnerIds(orgId);
  if (owners.length === 0 || (owners.length === 1 && owners[0] === userId)) {
    throw new GatehouseError('last_owner', 'the last owner can be neither demoted nor removed: make someone else owner first');
  }
}
