import type { PasswordCompromise } from '../db/schema.ts';
import { instanceMfaDenial, type AccessFacts, type InstancePolicy } from './decideAccess.ts';

/**
 * Why a user's password must be changed before anything else: an operator reported it
 * compromised (`gatehouse users password-compromised`), or a sign-in found it on the blocklist
 * (a password the blocklist refuses today is one attackers try first: NIST SP 800-63B-4 §3.1.1.2).
 */
export type { PasswordCompromise };
export const PASSWORD_COMPROMISES: readonly PasswordCompromise[] = ['operator', 'blocklist'];

export type AccountRestriction =
  | { code: 'password_change_required'; reason: PasswordCompromise }
  | { code: 'mfa_enrollment_required' | 'mfa_step_up_required' };

export interface AccountFacts {
  instance: InstancePolicy;
  user: { hasFactor: boolean; passwordCompromise: PasswordCompromise | null };
  credential: AccessFacts['credential'] & {
    /**
     * The credential was obtained with the password: a password sign-in (with its MFA step, if
     * any), or a token or certificate minted from one. A single sign-on session was not.
     */
    restsOnPassword: boolean;
  };
}

/**
 * What a credential may do outside the organizations it enters (where `decideAccess` rules):
 * everything (null), or only what lifts its restriction — with `password_change_required`,
 * changing the password; with `mfa_enrollment_required` or `mfa_step_up_required` (the
 * instance's GATEHOUSE_REQUIRE_MFA), enrolling a factor. Signing out is always possible.
 *
 * The password comes first: a credential resting on a compromised password says nothing about
 * who holds it, so it must not bind a factor to the account either (an attacker's authenticator
 * app would outlive the password change). Single sign-on sessions do not rest on the password
 * and are not held back by it; the user can change or remove the password from them.
 */
export function accountRestriction(facts: AccountFacts): AccountRestriction | null {
  if (facts.user.passwordCompromise !== null && facts.credential.restsOnPassword) {
    return { code: 'password_change_required', reason: facts.user.passwordCompromise };
  }
  const mfa = instanceMfaDenial(facts);
  return mfa ? { code: mfa } : null;
}
