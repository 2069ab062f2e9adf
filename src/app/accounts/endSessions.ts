import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { requireRecentSignIn } from '../factors/requireRecentSignIn.ts';
import { transact } from '../transact.ts';

/**
 * Ends one of the caller's other sessions, or all of them (ASVS 5.0 7.5.2). Only after a recent
 * sign-in: whoever stole a session must not be able to sign its owner out everywhere. Ending
 * the current session is signing out, which needs nothing more.
 */
export async function endSession(deps: AppDeps, actor: Actor, sessionId: string): Promise<void> {
  await transact(deps, async (tx) => {
    if (sessionId !== actor.credential.id) requireRecentSignIn(deps, actor, tx.now);
    if (!(await tx.r.credentials.revokeSessionOfUser(actor.userId, sessionId, tx.now))) throw new GatehouseError('not_found', 'no session with this id');
    tx.audit({ orgId: null, action: 'user.session_revoke', actorId: actor.userId, targetId: actor.userId, data: { session_id: sessionId } });
  });
}

export async function endOtherSessions(deps: AppDeps, actor: Actor): Promise<void> {
  await transact(deps, async (tx) => {
    requireRecentSignIn(deps, actor, tx.now);
    await tx.r.credentials.revokeOtherSessions(actor.userId, actor.credential.id, tx.now);
    tx.audit({ orgId: null, action: 'user.session_revoke', actorId: actor.userId, targetId: actor.userId, data: { all_others: true } });
  });
}
