import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';

export interface PublicSession {
  id: string;
  aal: number;
  amr: string[];
  mfa_pending: boolean;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  current: boolean;
}

/**
 * The caller's sessions that still work (ASVS 5.0 7.5.2), newest first, including sessions that
 * are waiting for their MFA step: one the user does not recognize means someone has the password.
 */
export async function listSessions(deps: AppDeps, actor: Actor): Promise<PublicSession[]> {
  if (actor.credential.kind !== 'session') throw new GatehouseError('reauthentication_required', 'sign in to manage your sessions');
  const now = deps.clock.now();
  const rows = await repos(deps.db).credentials.listLiveSessions(actor.userId, now, addSeconds(now, -deps.config.sessionIdleSeconds));
  return rows.map((row) => ({
    id: row.id,
    aal: row.aal,
    amr: row.amr,
    mfa_pending: row.mfa_pending,
    created_at: row.created_at,
    last_seen_at: row.last_seen_at,
    expires_at: row.expires_at,
    current: row.id === actor.credential.id,
  }));
}
