import { GatehouseError } from '../../core/errors.ts';
import { checkPasswordStrength, passwordContextWords, weakPasswordMessage } from '../../core/passwordPolicy.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../crypto/passwordHash.ts';
import { repos } from '../../db/repos.ts';
import { passwordChangedMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { requireStepUp } from '../factors/requireRecentSignIn.ts';
import { transact } from '../transact.ts';
import { claimAttempt } from './throttle.ts';

/**
 * Changing one's password (ASVS 5.0 6.2.2, 6.2.3). The current password is a re-authentication
 * (7.5.1), so wrong guesses count against the account like sign-in failures; a user with MFA
 * also needs a session that proved it. Every other session ends (7.4.3): they may belong to
 * whoever made the change necessary. Personal access tokens are left alone — they are revocable
 * on their own, cannot change factors or mint tokens, and automation should not break silently;
 * the mail tells the user to review them (docs/decisions.md).
 *
 * It is also the way out of a forced change: a credential resting on a password marked
 * compromised can call nothing else (src/core/accountRestriction.ts), and the new password lifts
 * the mark — the session that made the change carries on as a normal one.
 */
export async function changePassword(deps: AppDeps, actor: Actor, input: { current_password: string; new_password: string }): Promise<void> {
  // A token that leaked must not be able to lock its owner out by guessing, nor change anything.
  if (actor.credential.kind !== 'session') throw new GatehouseError('reauthentication_required', 'sign in with your password to change it');
  const r = repos(deps.db);
  const user = await r.users.byId(actor.userId);
  if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
  if ((await r.factors.summary(user.id)).hasFactor) requireStepUp(actor);
  // Counted as a failure before argon2 runs, so parallel guesses cannot all pass the check.
  const claim = await claimAttempt(r, user, deps.clock.now());
  // Argon2 runs outside the transaction: it takes tens of milliseconds and must not hold a connection.
  // Without a password there is nothing to verify, but the same time is spent (as at sign-in).
  if (!(await verifyPassword(user.password_hash ?? DUMMY_PASSWORD_HASH, input.current_password)) || user.password_hash === null) {
    throw new GatehouseError('invalid_credentials', 'the current password is wrong');
  }
  await r.users.refundAttempt(user.id, claim);
  const strength = checkPasswordStrength(input.new_password, { contextWords: passwordContextWords({ email: user.email, issuer: deps.config.issuer }) });
  if (strength !== 'ok') throw new GatehouseError('weak_password', weakPasswordMessage(strength));
  // "Changing" to the same password would lift a compromise mark while keeping what was compromised.
  if (input.new_password === input.current_password) throw new GatehouseError('weak_password', 'choose a password different from the current one');
  const passwordHash = await hashPassword(input.new_password);

  await transact(deps, async (tx) => {
    const locked = await tx.r.users.lock(user.id);
    // Another change won the race since the check above: this one was made against a stale password.
    if (!locked || locked.password_hash !== user.password_hash) throw new GatehouseError('invalid_credentials', 'the current password is wrong');
    // The new hash clears any compromise mark on the old password (UserQueries.setPasswordHash).
    await tx.r.users.setPasswordHash(user.id, passwordHash);
    await tx.r.users.resetFailures(user.id);
    await tx.r.credentials.revokeOtherSessions(user.id, actor.credential.id, tx.now);
    const lifted = locked.password_compromise_reason;
    tx.audit({ orgId: null, action: 'user.password_change', actorId: user.id, targetId: user.id, ...(lifted ? { data: { compromise_cleared: lifted } } : {}) });
    tx.mail(passwordChangedMail({ to: user.email, change: 'changed', publicUrl: deps.config.publicUrl }));
  });
}
