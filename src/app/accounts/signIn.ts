import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { hashToken, newToken } from '../../core/tokens.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/passwordHash.ts';
import { repos } from '../../db/repos.ts';
import type { AppDeps } from '../deps.ts';
import type { IssuedSession } from './issueSession.ts';
import { normalizeEmail } from './signUp.ts';
import { claimAttempt } from './throttle.ts';

/**
 * Password sign-in. A user with MFA gets a pending session (aal 1) that is only good for the
 * MFA step. Failures are counted per account; the count resets only once the user is fully
 * signed in, so a password holder cannot reset the counter between TOTP guesses.
 *
 * Three statements: the user, the claim of a guess, and (after argon2) the session with the
 * count's refund or reset (CredentialQueries.startPasswordSession). argon2 bounds sign-ins; every
 * further round trip to the database is paid on the same core (BENCHMARKS.md, figure 2).
 */
export async function signIn(deps: AppDeps, input: { email: string; password: string }, options: { replacesToken?: string } = {}): Promise<IssuedSession> {
  const r = repos(deps.db);
  const user = await r.users.byEmail(normalizeEmail(input.email));
  if (!user || !user.password_hash) {
    // Same argon2 cost as a real check, so response time does not reveal which emails exist.
    await verifyPassword(DUMMY_PASSWORD_HASH, input.password);
    throw new GatehouseError('invalid_credentials', 'wrong email or password');
  }
  // Counted as a failure before argon2 runs, so parallel guesses cannot all pass the check.
  const claim = await claimAttempt(r, user, deps.clock.now());
  if (!(await verifyPassword(user.password_hash, input.password))) {
    throw new GatehouseError('invalid_credentials', 'wrong email or password');
  }
  const now = deps.clock.now();
  const token = newToken(deps.random, 'session');
  const id = newId(deps.random, 'ses');
  const started = await r.credentials.startPasswordSession({
    userId: user.id,
    claim,
    // ASVS 5.0 7.2.4: signing in again on a browser ends the session it held; only the new token works.
    replacesTokenHash: options.replacesToken ? hashToken(options.replacesToken) : null,
    id,
    tokenHash: hashToken(token),
    now,
    pendingExpiresAt: addSeconds(now, deps.config.mfaPendingSeconds),
    fullExpiresAt: addSeconds(now, deps.config.sessionAbsoluteSeconds),
  });
  return { token, session: { id, aal: 1, amr: ['pwd'], mfa_pending: started.mfaPending, expires_at: started.expiresAt } };
}
