import { addDays } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { hashToken, newToken } from '../../core/tokens.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';

export const DEFAULT_TOKEN_DAYS = 90;

export interface PublicToken {
  id: string;
  name: string;
  aal: number;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

/**
 * A personal access token carries the assurance level of the session that created it: one made
 * from an aal-1 session cannot enter an organization that requires MFA. Only a signed-in session
 * mints tokens, so a leaked token cannot breed more.
 */
export async function createPersonalAccessToken(deps: AppDeps, actor: Actor, input: { name: string; expires_in_days?: number }): Promise<{ id: string; token: string; expires_at: Date | null }> {
  if (actor.credential.kind !== 'session') throw new GatehouseError('forbidden', 'create tokens from a signed-in session');
  return transact(deps, async (tx) => {
    const token = newToken(deps.random, 'pat');
    const id = tx.id('pat');
    const expiresAt = addDays(tx.now, input.expires_in_days ?? DEFAULT_TOKEN_DAYS);
    await tx.r.credentials.insertPat({
      id,
      tokenHash: hashToken(token),
      userId: actor.userId,
      name: input.name.trim(),
      aal: actor.credential.aal,
      amr: actor.credential.amr,
      now: tx.now,
      expiresAt,
    });
    tx.audit({ orgId: null, action: 'token.create', actorId: actor.userId, targetId: actor.userId, data: { token_id: id, aal: actor.credential.aal } });
    return { id, token, expires_at: expiresAt };
  });
}

export async function listPersonalAccessTokens(deps: AppDeps, actor: Actor): Promise<PublicToken[]> {
  const rows = await repos(deps.db).credentials.listPats(actor.userId, deps.clock.now());
  return rows.map((row) => ({ id: row.id, name: row.name, aal: row.aal, created_at: row.created_at, expires_at: row.expires_at, last_used_at: row.last_used_at }));
}

export async function revokePersonalAccessToken(deps: AppDeps, actor: Actor, tokenId: string): Promise<void> {
  await transact(deps, async (tx) => {
    if (!(await tx.r.credentials.revokePat(actor.userId, tokenId, tx.now))) throw new GatehouseError('not_found', 'no token with this id');
    tx.audit({ orgId: null, action: 'token.revoke', actorId: actor.userId, targetId: actor.userId, data: { token_id: tokenId } });
  });
}
