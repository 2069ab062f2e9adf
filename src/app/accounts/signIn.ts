import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkPasswordStrength, passwordContextWords } from '../../core/passwordPolicy.ts';
import { hashToken, newToken } from '../../core/tokens.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/passwordHash.ts';
import type { UserRow } from '../../db/queries/users.ts';
import { repos } from '../../db/repos.ts';
import type { AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { credentialRestriction } from './credentialRestriction.ts';
import type { IssuedSession } from './issueSession.ts';
import { recordPasswordCompromise } from './recordPasswordCompromise.ts';
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
 *
 * A right password that today's blocklist refuses (it grew since the password was set, or the
 * issuer's name changed) is evidence of compromise, handled like an operator's report: the
 * password is marked, everything the account held ends, the owner is mailed, and this session —
 * like every later one resting on the password — can only change it (docs/security.md).
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
  // Only now, and only on the password just verified: the check never tells a guesser anything.
  const blocklisted = checkPasswordStrength(input.password, { contextWords: passwordContextWords({ email: user.email, issuer: deps.config.issuer }) }) !== 'ok';
  // Recorded before the session is written: recording ends every session the account holds.
  const passwordCompromise = blocklisted ? await recordBlocklistEvidence(deps, user) : user.password_compromise_reason;

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
  const hasFactor = started.mfaPending;
  const restriction = credentialRestriction(deps.config, { aal: 1, amr: ['pwd'], mfaPending: hasFactor, hasFactor, passwordCompromise });
  return { token, session: { id, aal: 1, amr: ['pwd'], mfa_pending: started.mfaPending, expires_at: started.expiresAt, restriction } };
}

/** Marks the password compromised (once) and returns the mark in force. */
async function recordBlocklistEvidence(deps: AppDeps, user: UserRow): Promise<UserRow['password_compromise_reason']> {
  return transact(deps, async (tx) => {
    // Under the row lock, so that of two sign-ins at once one records the evidence and the other sees it.
    const locked = await tx.r.users.lock(user.id);
    const mark = locked?.password_compromise_reason ?? null;
    // Only a password still the one verified above: a change committed meanwhile replaced it.
    if (!locked || locked.password_hash !== user.password_hash || mark !== null) return mark;
    await recordPasswordCompromise(deps, tx, locked, 'blocklist');
    return 'blocklist';
  });
}
