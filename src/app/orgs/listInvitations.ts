import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from './enterOrg.ts';
import { publicInvitation, type PublicInvitation } from './publicInvitation.ts';

/** Open invitations, newest first, expired ones included (they can be resent); tokens never leave the mail. */
export async function listInvitations(deps: AppDeps, actor: Actor, slug: string): Promise<PublicInvitation[]> {
  const r = repos(deps.db);
  const { org } = await enterOrg(deps, r, actor, slug, deps.clock.now(), { minRole: 'manager' });
  return (await r.invitations.listOpen(org.id)).map(publicInvitation);
}
