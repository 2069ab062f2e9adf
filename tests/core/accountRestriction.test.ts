import { describe, expect, it } from 'vitest';
import { accountRestriction, PASSWORD_COMPROMISES, type AccountFacts, type PasswordCompromise } from '../../src/core/accountRestriction.ts';
import { credentialFacts } from '../../src/core/decideAccess.ts';

/**
 * What a credential may do outside organizations: everything, or only lift its restriction.
 * One row per rule; `expect` is `none` or the restriction's code (and reason).
 */
type Row = {
  name: string;
  instance?: boolean;
  hasFactor?: boolean;
  compromise?: PasswordCompromise | null;
  aal?: number;
  amr?: string[];
  expect: string;
};

const table: Row[] = [
  { name: 'default instance, no factor, password session', expect: 'none' },
  { name: 'default instance, factor, aal 1 token', hasFactor: true, aal: 1, expect: 'none' },
  { name: 'instance requires MFA, no factor', instance: true, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA, factor, aal 1 credential', instance: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'instance requires MFA, factor, aal 2', instance: true, hasFactor: true, aal: 2, amr: ['pwd', 'otp', 'mfa'], expect: 'none' },
  { name: 'instance requires MFA, factor deleted from an aal-2 session', instance: true, hasFactor: false, aal: 2, amr: ['pwd', 'otp', 'mfa'], expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA, trusted IdP MFA, no local factor', instance: true, aal: 2, amr: ['sso', 'otp', 'mfa'], expect: 'none' },
  { name: 'instance requires MFA, untrusted SSO, no local factor', instance: true, aal: 1, amr: ['sso', 'pwd'], expect: 'mfa_enrollment_required' },
  { name: 'password reported compromised: password session', compromise: 'operator', expect: 'password_change_required:operator' },
  { name: 'password on the blocklist: password session', compromise: 'blocklist', expect: 'password_change_required:blocklist' },
  { name: 'compromised password: aal 2 after the MFA step is still held back', compromise: 'operator', hasFactor: true, aal: 2, amr: ['pwd', 'otp', 'mfa'], expect: 'password_change_required:operator' },
  { name: 'compromised password: a single sign-on session does not rest on it', compromise: 'operator', aal: 1, amr: ['sso', 'pwd'], expect: 'none' },
  { name: 'compromised password comes before enrolling under the instance rule', instance: true, compromise: 'operator', expect: 'password_change_required:operator' },
  { name: 'compromised password, instance rule, SSO session without MFA: enroll', instance: true, compromise: 'blocklist', aal: 1, amr: ['sso'], expect: 'mfa_enrollment_required' },
];

function facts(row: Row): AccountFacts {
  const amr = row.amr ?? ['pwd'];
  return {
    instance: { mfaRequired: row.instance ?? false },
    user: { hasFactor: row.hasFactor ?? false, passwordCompromise: row.compromise ?? null },
    credential: { ...credentialFacts({ aal: row.aal ?? 1, amr }), restsOnPassword: !amr.includes('sso') },
  };
}

describe('accountRestriction truth table', () => {
  it.each(table)('$name → $expect', (row) => {
    const restriction = accountRestriction(facts(row));
    const got = restriction === null ? 'none' : restriction.code === 'password_change_required' ? `${restriction.code}:${restriction.reason}` : restriction.code;
    expect(got).toBe(row.expect);
  });

  it('covers every outcome and every reason', () => {
    const outcomes = new Set(table.map((row) => row.expect));
    for (const outcome of ['none', 'mfa_enrollment_required', 'mfa_step_up_required', ...PASSWORD_COMPROMISES.map((reason) => `password_change_required:${reason}`)]) {
      expect(outcomes).toContain(outcome);
    }
  });

  it('with nothing compromised and the instance rule off, no credential is ever restricted', () => {
    for (const row of table) {
      expect(accountRestriction(facts({ ...row, instance: false, compromise: null })), row.name).toBeNull();
    }
  });
});
