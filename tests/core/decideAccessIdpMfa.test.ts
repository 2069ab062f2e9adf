import { describe, expect, it } from 'vitest';
import { credentialFacts, decideAccess, type AccessFacts } from '../../src/core/decideAccess.ts';

/**
 * A single sign-on session whose IdP MFA was trusted stands in for a local factor — and nothing
 * else does: an aal-2 session of a user who has since lost their factor stays refused.
 */
const NOW = new Date('2026-06-01T12:00:00Z');
const LATER = new Date('2026-07-01T00:00:00Z');

function decide(options: { required?: 'any' | 'phishing_resistant'; hasFactor?: boolean; hasPr?: boolean; aal: number; amr: string[]; grace?: Date; instance?: boolean; orgRequires?: boolean }): string {
  const facts: AccessFacts = {
    membership: { role: 'member', state: 'active', reinstateUntil: null },
    instance: { mfaRequired: options.instance ?? false },
    policy: { mfaRequired: options.orgRequires ?? true, gracePeriodEndsAt: options.grace ?? null, requiredFactor: options.required ?? 'any' },
    user: { hasFactor: options.hasFactor ?? false, hasPhishingResistantFactor: options.hasPr ?? false },
    credential: credentialFacts({ aal: options.aal, amr: options.amr }),
    channel: 'api',
    now: NOW,
  };
  const decision = decideAccess(facts);
  return decision.allowed ? `allowed:${decision.access}` : decision.code;
}

describe('decideAccess with IdP MFA', () => {
  it.each([
    ['trusted SSO session, no local factor', { aal: 2, amr: ['sso', 'pwd', 'otp', 'mfa'] }, 'allowed:ok'],
    ['untrusted SSO session, no local factor', { aal: 1, amr: ['sso', 'pwd'] }, 'mfa_enrollment_required'],
    ['untrusted SSO session, local factor', { aal: 1, amr: ['sso', 'pwd'], hasFactor: true }, 'mfa_step_up_required'],
    ['trusted SSO session during a grace period', { aal: 2, amr: ['sso', 'otp', 'mfa'], grace: LATER }, 'allowed:ok'],
    ['local aal-2 session of a user who lost their factor', { aal: 2, amr: ['pwd', 'otp', 'mfa'] }, 'mfa_enrollment_required'],
    ['phishing-resistant org, trusted IdP hardware key', { required: 'phishing_resistant' as const, aal: 2, amr: ['sso', 'hwk', 'mfa'] }, 'allowed:ok'],
    ['phishing-resistant org, trusted IdP OTP', { required: 'phishing_resistant' as const, aal: 2, amr: ['sso', 'otp', 'mfa'] }, 'mfa_enrollment_required'],
    ['phishing-resistant org, trusted IdP OTP, local passkey', { required: 'phishing_resistant' as const, aal: 2, amr: ['sso', 'otp', 'mfa'], hasFactor: true, hasPr: true }, 'mfa_step_up_required'],
    // GATEHOUSE_REQUIRE_MFA=on, in an organization that requires nothing itself: the IdP's trusted MFA counts as MFA there too.
    ['instance rule, trusted SSO session, no local factor', { instance: true, orgRequires: false, aal: 2, amr: ['sso', 'otp', 'mfa'] }, 'allowed:ok'],
    ['instance rule, untrusted SSO session, no local factor', { instance: true, orgRequires: false, aal: 1, amr: ['sso', 'pwd'] }, 'mfa_enrollment_required'],
    ['instance rule, untrusted SSO session, local factor', { instance: true, orgRequires: false, aal: 1, amr: ['sso', 'pwd'], hasFactor: true }, 'mfa_step_up_required'],
  ])('%s → %s', (_name, options, expected) => {
    expect(decide(options)).toBe(expected);
  });

  it('reads `sso` in amr as IdP MFA and hwk/swk as phishing-resistant', () => {
    expect(credentialFacts({ aal: 2, amr: ['sso', 'mfa'] })).toEqual({ aal: 2, phishingResistant: false, idpMfa: true });
    expect(credentialFacts({ aal: 2, amr: ['pwd', 'hwk', 'mfa'] })).toEqual({ aal: 2, phishingResistant: true, idpMfa: false });
  });
});
