import { generateRecoveryCodes, hashRecoveryCode } from '../../core/recoveryCodes.ts';
import type { FactorRow } from '../../db/queries/factors.ts';
import { issueSession, type IssuedSession } from '../accounts/issueSession.ts';
import type { Actor, AppDeps } from '../deps.ts';
import type { Tx } from '../transact.ts';
import { recordFactorChange } from './recordFactorChange.ts';

export interface ActivatedFactor {
  issued: IssuedSession;
  recoveryCodes: string[] | null;
}

/**
 * What follows a proven new factor, whatever its type: the first one brings recovery codes
 * (shown once, stored hashed), and the session is rotated to aal 2 — the caller has just
 * proven possession — keeping its sign-in time and absolute expiry.
 */
export async function activateFactor(
  deps: AppDeps,
  tx: Tx,
  actor: Actor,
  options: { factor: FactorRow; amr: string[]; hadFactor: boolean },
): Promise<ActivatedFactor> {
  let recoveryCodes: string[] | null = null;
  if (!options.hadFactor) {
    recoveryCodes = generateRecoveryCodes(deps.random, 10);
    await tx.r.factors.replaceRecoveryCodes(
      actor.userId,
      recoveryCodes.map((code) => ({ id: tx.id('fac'), codeHash: hashRecoveryCode(code) })),
      tx.now,
    );
  }
  await recordFactorChange(deps, tx, {
    userId: actor.userId,
    email: actor.email,
    action: 'mfa.enroll',
    factorId: options.factor.id,
    factorType: options.factor.type,
    lastFactor: false,
  });
  const credential = actor.credential;
  await tx.r.credentials.revokeSession(credential.id, tx.now);
  const issued = await issueSession(deps, tx, {
    userId: actor.userId,
    aal: 2,
    amr: options.amr,
    mfaPending: false,
    authenticatedAt: credential.authenticatedAt ?? tx.now,
    ...(credential.expiresAt ? { expiresAt: credential.expiresAt } : {}),
  });
  return { issued, recoveryCodes };
}
