import type { AccountRestriction } from '../../core/accountRestriction.ts';
import { addSeconds } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import { newToken, hashToken } from '../../core/tokens.ts';
import type { NewSession } from '../../db/queries/credentials.ts';
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

export interface SessionOptions {
  userId: string;
  aal: number;
  amr: string[];
  mfaPending: boolean;
  authenticatedAt: Date;
  expiresAt?: Date;
}

/**
 * A new session's row and the token to hand out, shown once: only its SHA-256 is stored, so a
 * database leak yields no usable tokens. `expiresAt` lets a rotation keep the original absolute
 * lifetime instead of extending it. Nothing is written: see issueSession, or a query that writes
 * the row together with something else in one statement.
 */
export function newSession(deps: AppDeps, now: Date, options: SessionOptions): { row: NewSession; issued: IssuedSession } {
  const token = newToken(deps.random, 'session');
  const id = newId(deps.random, 'ses');
  const lifetime = options.mfaPending ? deps.config.mfaPendingSeconds : deps.config.sessionAbsoluteSeconds;
  const expiresAt = options.expiresAt ?? addSeconds(now, lifetime);
  return {
    row: {
      id,
      tokenHash: hashToken(token),
      userId: options.userId,
      aal: options.aal,
      amr: options.amr,
      mfaPending: options.mfaPending,
      authenticatedAt: options.authenticatedAt,
      now,
      expiresAt,
    },
    issued: { token, session: { id, aal: options.aal, amr: options.amr, mfa_pending: options.mfaPending, expires_at: expiresAt } },
  };
}

/** Writes a new session in the use case's transaction and returns its token. */
export async function issueSession(deps: AppDeps, tx: Tx, options: SessionOptions): Promise<IssuedSession> {
  const { row, issued } = newSession(deps, tx.now, options);
  await tx.r.credentials.insertSession(row);
  return issued;
}
