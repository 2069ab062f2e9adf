import type { MembershipState, RequiredFactor, Role } from '../db/schema.ts';

export type Channel = 'console' | 'api' | 'ssh' | 'git';
export const CHANNELS: readonly Channel[] = ['console', 'api', 'ssh', 'git'];

export type DenialCode = 'not_found' | 'membership_pending' | 'mfa_enrollment_required' | 'mfa_step_up_required';

/**
 * The operator's rule for the whole instance (GATEHOUSE_REQUIRE_MFA): every user needs MFA,
 * whatever their organizations say. It has no grace period: an operator who turns it on means now.
 */
export interface InstancePolicy {
  mfaRequired: boolean;
}

export interface AccessFacts {
  membership: { role: Role; state: MembershipState; reinstateUntil: Date | null } | null;
  instance: InstancePolicy;
  policy: { mfaRequired: boolean; gracePeriodEndsAt: Date | null; requiredFactor: RequiredFactor };
  /** The user's confirmed factors, not the credential's: "has MFA" in the seeds' sense. */
  user: { hasFactor: boolean; hasPhishingResistantFactor: boolean };
  /**
   * What *this* credential proved: a session or token minted after an MFA step has aal 2.
   * `idpMfa`: that MFA was an identity provider's, trusted by single sign-on settings; it stands
   * in for a local factor (docs/sso.md).
   */
  credential: { aal: number; phishingResistant: boolean; idpMfa?: boolean };
  channel: Channel;
  now: Date;
}

export type AccessDecision =
  | { allowed: true; role: Role; access: 'ok' | 'grace'; deadline: Date | null }
  | { allowed: false; code: 'not_found' }
  | { allowed: false; code: 'membership_pending'; role: Role; reinstateUntil: Date }
  | { allowed: false; code: 'mfa_enrollment_required' | 'mfa_step_up_required'; role: Role; deadline: Date | null };

/**
 * The one rule every channel applies: may this credential enter this organization?
 * Owners and admins get no exemption — an exempt owner is the account an attacker phishes.
 */
export function decideAccess(facts: AccessFacts): AccessDecision {
  const { membership, policy, user, credential, now } = facts;
  if (!membership) return { allowed: false, code: 'not_found' };
  const { role } = membership;
  if (membership.state === 'pending') {
    // Past the reinstatement window a pending member is gone, whether or not a job has purged them yet.
    if (!membership.reinstateUntil || membership.reinstateUntil.getTime() <= now.getTime()) {
      return { allowed: false, code: 'not_found' };
    }
    return { allowed: false, code: 'membership_pending', role, reinstateUntil: membership.reinstateUntil };
  }
  // The instance's rule comes before the organization's and knows no grace period: an
  // organization cannot relax what the operator requires of every account.
  const instanceDenial = instanceMfaDenial(facts);
  if (instanceDenial) return { allowed: false, code: instanceDenial, role, deadline: null };
  if (!policy.mfaRequired) return { allowed: true, role, access: 'ok', deadline: null };

  const deadline = policy.gracePeriodEndsAt;
  const denial = mfaDenial(policy.requiredFactor, user, credential);
  if (denial === 'mfa_enrollment_required') {
    // The deadline is stored when enforcement starts and compared with the clock on every read.
    if (deadline && now.getTime() < deadline.getTime()) return { allowed: true, role, access: 'grace', deadline };
    return { allowed: false, code: denial, role, deadline };
  }
  if (denial) return { allowed: false, code: denial, role, deadline };
  return { allowed: true, role, access: 'ok', deadline: null };
}

/**
 * The MFA rule itself, for a required factor strength: the user must have a factor that counts
 * (else `mfa_enrollment_required`), and the credential in hand must have been verified with one
 * (else `mfa_step_up_required`) — having a factor is not enough.
 */
function mfaDenial(
  requiredFactor: RequiredFactor,
  user: { hasFactor: boolean; hasPhishingResistantFactor?: boolean },
  credential: AccessFacts['credential'],
): 'mfa_enrollment_required' | 'mfa_step_up_required' | null {
  const phishingResistant = requiredFactor === 'phishing_resistant';
  const compliant = phishingResistant ? user.hasPhishingResistantFactor === true : user.hasFactor;
  const verified = credential.aal >= 2 && (!phishingResistant || credential.phishingResistant);
  // A single sign-on session whose IdP MFA Gatehouse trusts is MFA-verified without a local
  // factor: that is how an organization enforcing MFA at its IdP complies (Sentry cannot).
  if (!compliant && !(verified && credential.idpMfa === true)) return 'mfa_enrollment_required';
  if (!verified) return 'mfa_step_up_required';
  return null;
}

/**
 * GATEHOUSE_REQUIRE_MFA, on its own: what an instance that requires MFA of everyone answers a
 * credential, inside any organization or outside all of them (src/core/accountRestriction.ts).
 * Any factor counts (an organization may still ask for a phishing-resistant one).
 */
export function instanceMfaDenial(facts: {
  instance: InstancePolicy;
  user: { hasFactor: boolean };
  credential: AccessFacts['credential'];
}): 'mfa_enrollment_required' | 'mfa_step_up_required' | null {
  if (!facts.instance.mfaRequired) return null;
  return mfaDenial('any', facts.user, facts.credential);
}

/** A member's standing regardless of the credential at hand, as the members list shows it. */
export function memberAccess(facts: Omit<AccessFacts, 'credential' | 'channel'>): 'ok' | 'grace' | 'blocked' | 'none' {
  const decision = decideAccess({ ...facts, credential: { aal: 2, phishingResistant: true }, channel: 'console' });
  if (decision.allowed) return decision.access;
  return decision.code === 'mfa_enrollment_required' ? 'blocked' : 'none';
}

/**
 * The credential facts of a session, token or certificate from its `aal` and `amr`: the one
 * reading of `amr` every channel should share. `sso` in `amr` marks a single sign-on session,
 * whose aal 2 (if any) came from a trusted identity provider's MFA.
 */
export function credentialFacts(credential: { aal: number; amr: readonly string[] }): AccessFacts['credential'] {
  return {
    aal: credential.aal,
    phishingResistant: credential.amr.includes('hwk') || credential.amr.includes('swk'),
    idpMfa: credential.amr.includes('sso'),
  };
}
