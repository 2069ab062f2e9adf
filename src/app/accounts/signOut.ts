import type { Actor, AppDeps } from '../deps.ts';
import { repos } from '../../db/repos.ts';

export async function signOut(deps: AppDeps, actor: Actor): Promise<void> {
  const r = repos(deps.db);
  if (actor.credential.kind === 'session') await r.credentials.revokeSession(actor.credential.id, deps.clock.now());
  else await r.credentials.revokePat(actor.userId, actor.credential.id, deps.clock.now());
}
