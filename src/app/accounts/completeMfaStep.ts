import { GatehouseError } from '../../core/errors.ts';
import { repos, type Repos } from '../../db/repos.ts';
import { recoveryCodeUsedMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { verifySecondFactor, type SecondFactorInput, type WebauthnAssertionVerifier } from '../factors/verifySecondFactor.ts';
import { transact } from '../transact.ts';
import { credentialRestriction } from './credentialRestriction.ts';
import { newSession, type IssuedSession } from './issueSession.ts';
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

  /**
   * Each write below stands on its own compare-and-set (a TOTP step, a challenge or a recovery
   * code is used once; only one request revokes the pending session), so no transaction is
   * needed for correctness; a code spent by a request that then loses the race stays spent.
   */
  const verifyAndRotate = async (queries: Repos, now: Date): Promise<IssuedSession | null> => {
    const verified = await verifySecondFactor(deps, queries, { userId: user.id, input, now, webauthn: options.webauthn });
    if (!verified) return null;
    const next = newSession(deps, now, { userId: user.id, aal: 2, amr: verified.amr, mfaPending: false, authenticatedAt: pending.authenticatedAt ?? now });
    if (!(await queries.credentials.rotatePendingSession(pending.id, next.row))) return null;
    // The second factor does not clear a compromised password: the new session can only change it.
    const restriction = credentialRestriction(deps.config, { aal: 2, amr: verified.amr, mfaPending: false, hasFactor: true, passwordCompromise: user.password_compromise_reason });
    return { ...next.issued, session: { ...next.issued.session, restriction } };
  };

  const issued =
    input.type === 'recovery_code'
      ? // An account recovery is audited and mailed: those rows commit with the rotation or not at all.
        await transact(deps, async (tx) => {
          const rotated = await verifyAndRotate(tx.r, tx.now);
          if (!rotated) return null;
          tx.audit({ orgId: null, action: 'mfa.recovery_code_used', actorId: user.id, targetId: user.id });
          // A recovery code stands in for a lost factor: the owner hears of every use (NIST SP 800-63B-4 account recovery).
          tx.mail(recoveryCodeUsedMail({ to: user.email, remaining: await tx.r.factors.recoveryCodesRemaining(user.id), publicUrl: deps.config.publicUrl }));
          return rotated;
        })
      : await verifyAndRotate(r, deps.clock.now());
  // The claim above already counted the failure, outside any rolled-back work.
  if (!issued) throw new GatehouseError('invalid_mfa_code', 'the code is not valid');
  return issued;
}
