import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import { recoveryCodeUsedMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { verifySecondFactor, type SecondFactorInput, type WebauthnAssertionVerifier } from '../factors/verifySecondFactor.ts';
import { transact } from '../transact.ts';
import { credentialRestriction } from './credentialRestriction.ts';
import { issueSession, type IssuedSession } from './issueSession.ts';
import { claimAttempt } from './throttle.ts';

/**
 * The MFA step of a sign-in. Success rotates the session: the pending token stops working and
 * a new aal-2 token replaces it (session fixation defence). A failure is counted and leaves the
 * pending session usable for another try.
 */
export async function completeMfaStep(
  deps: AppDeps,
  actor: Actor,
  input: SecondFactorInput,
  options: { webauthn?: WebauthnAssertionVerifier } = {},
): Promise<IssuedSession> {
  const pending = actor.credential;
  if (pending.kind !== 'session' || !pending.mfaPending) throw new GatehouseError('mfa_not_pending', 'this session is not waiting for an MFA step');
  const r = repos(deps.db);
  const user = await r.users.byId(actor.userId);
  if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
  // Counted as a failure before the code is checked, so parallel guesses cannot all pass the check.
  await claimAttempt(r, user, deps.clock.now());

  const issued = await transact(deps, async (tx) => {
    const verified = await verifySecondFactor(deps, tx.r, { userId: user.id, input, now: tx.now, webauthn: options.webauthn });
    if (!verified) return null;
    // Only one request may turn a pending session into a full one.
    if (!(await tx.r.credentials.revokeSession(pending.id, tx.now))) return null;
    await tx.r.users.resetFailures(user.id);
    if (input.type === 'recovery_code') {
      tx.audit({ orgId: null, action: 'mfa.recovery_code_used', actorId: user.id, targetId: user.id });
      // A recovery code stands in for a lost factor: the owner hears of every use (NIST SP 800-63B-4 account recovery).
      tx.mail(recoveryCodeUsedMail({ to: user.email, remaining: await tx.r.factors.recoveryCodesRemaining(user.id), publicUrl: deps.config.publicUrl }));
    }
    const issued = await issueSession(deps, tx, {
      userId: user.id,
      aal: 2,
      amr: verified.amr,
      mfaPending: false,
      authenticatedAt: pending.authenticatedAt ?? tx.now,
    });
    // The second factor does not clear a compromised password: the new session can only change it.
    const restriction = credentialRestriction(deps.config, { aal: 2, amr: verified.amr, mfaPending: false, hasFactor: true, passwordCompromise: user.password_compromise_reason });
    return { ...issued, session: { ...issued.session, restriction } };
  });
  // The claim above already counted the failure, outside the rolled-back work.
  if (!issued) throw new GatehouseError('invalid_mfa_code', 'the code is not valid');
  return issued;
}
