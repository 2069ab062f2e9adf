import type { AccountRestriction } from '../../core/accountRestriction.ts';
import { addSeconds } from '../../core/clock.ts';
import { newToken, hashToken } from '../../core/tokens.ts';
import type { AppDeps } from '../deps.ts';
import type { Tx } from '../transact.ts';

export interface IssuedSession {
  token: string;
  session: {
    id: string;
    aal: number;
    amr: string[];
    mfa_pending: boolean;
    expires_at: Date;
    /** What the session may do beyond its MFA step, when the use case that issued it knows (src/core/accountRestriction.ts). */
    restriction?: AccountRestriction | null;
  };
}

/**
 * Writes a new session and returns its token, shown once: only its SHA-256 is stored, so a
 * database leak yields no usable tokens. `expiresAt` lets a rotation keep the original
 * absolute lifetime instead of extending it.
 */
export async function issueSession(
  deps: AppDeps,
  tx: Tx,
  options: { userId: string; aal: number; amr: string[]; mfaPending: boolean; authenticatedAt: Date; expiresAt?: Date },
): Promise<IssuedSession> {
  const token = newToken(deps.random, 'session');
  const id = tx.id('ses');
  const lifetime = options.mfaPending ? deps.config.mfaPendingSeconds : deps.config.sessionAbsoluteSeconds;
  const expiresAt = options.expiresAt ?? addSeconds(tx.now, lifetime);
  await tx.r.credentials.insertSession({
    id,
    tokenHash: hashToken(token),
    userId: options.userId,
    aal: options.aal,
    amr: options.amr,
    mfaPending: options.mfaPending,
    authenticatedAt: options.authenticatedAt,
    now: tx.now,
    expiresAt,
  });
  return { token, session: { id, aal: options.aal, amr: options.amr, mfa_pending: options.mfaPending, expires_at: expiresAt } };
}
