import { describe, expect, it } from 'vitest';
import { decideAccess, memberAccess, type AccessFacts, type Channel } from '../../src/core/decideAccess.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const BEFORE = new Date('2026-05-01T00:00:00Z');
const AFTER = new Date('2026-07-01T00:00:00Z');

type Case = {
  name: string;
  membership: AccessFacts['membership'];
  /** GATEHOUSE_REQUIRE_MFA=on: the instance requires MFA of every user. */
  instance?: boolean;
  mfaRequired?: boolean;
  grace?: Date | null;
  required?: 'any' | 'phishing_resistant';
  hasFactor?: boolean;
  hasPr?: boolean;
  aal?: number;
  prCredential?: boolean;
  expect: string;
};

const active = (role: 'owner' | 'admin' | 'manager' | 'member' = 'member') => ({ role, state: 'active' as const, reinstateUntil: null });

// One row per rule of the contract's "Access decisions" section; `expect` is allowed:<access> or the 403/404 code.
const table: Case[] = [
  { name: 'not a member', membership: null, expect: 'not_found' },
  { name: 'not a member of an enforcing org', membership: null, mfaRequired: true, hasFactor: true, aal: 2, expect: 'not_found' },
  { name: 'pending member within the window', membership: { role: 'member', state: 'pending', reinstateUntil: AFTER }, expect: 'membership_pending' },
  { name: 'pending member even with MFA', membership: { role: 'admin', state: 'pending', reinstateUntil: AFTER }, mfaRequired: true, hasFactor: true, aal: 2, expect: 'membership_pending' },
  { name: 'pending member past the window is gone', membership: { role: 'member', state: 'pending', reinstateUntil: BEFORE }, expect: 'not_found' },
  { name: 'pending member exactly at the deadline is gone', membership: { role: 'member', state: 'pending', reinstateUntil: NOW }, expect: 'not_found' },
  { name: 'member, no enforcement, no MFA', membership: active(), expect: 'allowed:ok' },
  { name: 'member, no enforcement, aal 1 with MFA', membership: active(), hasFactor: true, aal: 1, expect: 'allowed:ok' },
  { name: 'enforcing, no factor', membership: active(), mfaRequired: true, expect: 'mfa_enrollment_required' },
  { name: 'enforcing, no factor, grace running', membership: active(), mfaRequired: true, grace: AFTER, expect: 'allowed:grace' },
  { name: 'enforcing, no factor, grace over', membership: active(), mfaRequired: true, grace: BEFORE, expect: 'mfa_enrollment_required' },
  { name: 'enforcing, no factor, grace ends now', membership: active(), mfaRequired: true, grace: NOW, expect: 'mfa_enrollment_required' },
  { name: 'enforcing, factor, aal 1 credential', membership: active(), mfaRequired: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'enforcing, factor, aal 1 during grace', membership: active(), mfaRequired: true, grace: AFTER, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'enforcing, factor, aal 2', membership: active(), mfaRequired: true, hasFactor: true, aal: 2, expect: 'allowed:ok' },
  { name: 'owners are not exempt: no factor', membership: active('owner'), mfaRequired: true, expect: 'mfa_enrollment_required' },
  { name: 'owners are not exempt: aal 1', membership: active('owner'), mfaRequired: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'admins are not exempt', membership: active('admin'), mfaRequired: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'phishing-resistant required, only TOTP', membership: active(), mfaRequired: true, required: 'phishing_resistant', hasFactor: true, aal: 2, expect: 'mfa_enrollment_required' },
  { name: 'phishing-resistant required, passkey, TOTP session', membership: active(), mfaRequired: true, required: 'phishing_resistant', hasFactor: true, hasPr: true, aal: 2, expect: 'mfa_step_up_required' },
  { name: 'phishing-resistant required, passkey session', membership: active(), mfaRequired: true, required: 'phishing_resistant', hasFactor: true, hasPr: true, aal: 2, prCredential: true, expect: 'allowed:ok' },

  // The instance's rule (GATEHOUSE_REQUIRE_MFA=on): every organization, enforcing or not, no grace.
  { name: 'instance requires MFA: not a member', membership: null, instance: true, expect: 'not_found' },
  { name: 'instance requires MFA: pending member', membership: { role: 'member', state: 'pending', reinstateUntil: AFTER }, instance: true, expect: 'membership_pending' },
  { name: 'instance requires MFA: org does not, no factor', membership: active(), instance: true, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA: org does not, factor, aal 1 credential', membership: active(), instance: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'instance requires MFA: org does not, factor, aal 2', membership: active(), instance: true, hasFactor: true, aal: 2, expect: 'allowed:ok' },
  { name: 'instance requires MFA: aal-2 credential of a user who deleted their factor', membership: active(), instance: true, hasFactor: false, aal: 2, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA: the org’s grace period does not apply', membership: active(), instance: true, mfaRequired: true, grace: AFTER, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA: org grace, factor, aal 2', membership: active(), instance: true, mfaRequired: true, grace: AFTER, hasFactor: true, aal: 2, expect: 'allowed:ok' },
  { name: 'instance requires MFA: owners are not exempt', membership: active('owner'), instance: true, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA: admins are not exempt, aal 1', membership: active('admin'), instance: true, hasFactor: true, aal: 1, expect: 'mfa_step_up_required' },
  { name: 'instance requires MFA: the org still asks for phishing resistance', membership: active(), instance: true, mfaRequired: true, required: 'phishing_resistant', hasFactor: true, aal: 2, expect: 'mfa_enrollment_required' },
  { name: 'instance requires MFA: phishing-resistant org, passkey session', membership: active(), instance: true, mfaRequired: true, required: 'phishing_resistant', hasFactor: true, hasPr: true, aal: 2, prCredential: true, expect: 'allowed:ok' },
];

function facts(row: Case, channel: Channel): AccessFacts {
  return {
    membership: row.membership,
    instance: { mfaRequired: row.instance ?? false },
    policy: { mfaRequired: row.mfaRequired ?? false, gracePeriodEndsAt: row.grace ?? null, requiredFactor: row.required ?? 'any' },
    user: { hasFactor: row.hasFactor ?? false, hasPhishingResistantFactor: row.hasPr ?? false },
    credential: { aal: row.aal ?? 1, phishingResistant: row.prCredential ?? false },
    channel,
    now: NOW,
  };
}

function outcome(row: Case, channel: Channel): string {
  const decision = decideAccess(facts(row, channel));
  return decision.allowed ? `allowed:${decision.access}` : decision.code;
}

describe('decideAccess truth table', () => {
  for (const channel of ['console', 'api', 'ssh', 'git'] as const) {
    it.each(table)(`$name [${channel}] → $expect`, (row) => {
      expect(outcome(row, channel)).toBe(row.expect);
    });
  }

  it('covers every contract code of the access decision', () => {
    const codes = new Set(table.map((row) => row.expect.split(':')[0]));
    for (const code of ['not_found', 'membership_pending', 'mfa_enrollment_required', 'mfa_step_up_required', 'allowed']) {
      expect(codes).toContain(code);
    }
  });

  it('every row with the instance rule off answers the same as before the rule existed: the switch changes nothing when off', () => {
    // Each row without `instance` is also run with it explicitly off (the default of GATEHOUSE_REQUIRE_MFA).
    for (const row of table.filter((candidate) => candidate.instance === undefined)) {
      expect(outcome({ ...row, instance: false }, 'api'), row.name).toBe(row.expect);
    }
  });

  it('with the instance rule on, no row is allowed to a credential that did not verify MFA', () => {
    for (const row of table.filter((candidate) => candidate.instance === true)) {
      for (const channel of ['console', 'api', 'ssh', 'git'] as const) {
        const decision = decideAccess(facts(row, channel));
        if (decision.allowed) expect(row.aal ?? 1, row.name).toBeGreaterThanOrEqual(2);
      }
    }
    // And the same for every row of the table, turned on: the switch can only narrow access.
    for (const row of table) {
      const on = decideAccess(facts({ ...row, instance: true }, 'api'));
      if (on.allowed) {
        expect(row.aal ?? 1, row.name).toBeGreaterThanOrEqual(2);
        expect(decideAccess(facts({ ...row, instance: false }, 'api')).allowed, row.name).toBe(true);
      }
    }
  });

  it('reports the grace deadline and the reinstatement deadline', () => {
    const grace = decideAccess(facts({ name: '', membership: active(), mfaRequired: true, grace: AFTER, expect: '' }, 'api'));
    expect(grace).toMatchObject({ allowed: true, access: 'grace', deadline: AFTER });
    const pending = decideAccess(facts({ name: '', membership: { role: 'manager', state: 'pending', reinstateUntil: AFTER }, expect: '' }, 'api'));
    expect(pending).toMatchObject({ allowed: false, code: 'membership_pending', role: 'manager', reinstateUntil: AFTER });
  });
});

describe('memberAccess (members list)', () => {
  it.each([
    [active(), false, false, null, 'ok'],
    [active(), false, true, null, 'blocked'],
    [active(), false, true, AFTER, 'grace'],
    [{ role: 'member' as const, state: 'pending' as const, reinstateUntil: AFTER }, false, true, null, 'none'],
    // The instance requires MFA: a member without a factor cannot get in, whatever the organization says.
    [active(), true, false, null, 'blocked'],
    [active(), true, true, AFTER, 'blocked'],
  ] as const)('%o instance=%s enforcing=%s grace=%s → %s', (membership, instance, mfaRequired, grace, expected) => {
    expect(
      memberAccess({
        membership,
        instance: { mfaRequired: instance },
        policy: { mfaRequired, gracePeriodEndsAt: grace, requiredFactor: 'any' },
        user: { hasFactor: false, hasPhishingResistantFactor: false },
        now: NOW,
      }),
    ).toBe(expected);
  });
});

describe('single sign-on sessions whose identity provider MFA is trusted', () => {
  const base = (credential: AccessFacts['credential'], hasFactor = false): AccessFacts => ({
    membership: active(),
    instance: { mfaRequired: false },
    policy: { mfaRequired: true, gracePeriodEndsAt: null, requiredFactor: 'any' },
    user: { hasFactor, hasPhishingResistantFactor: false },
    credential,
    channel: 'console',
    now: NOW,
  });
  const outcomeOf = (facts: AccessFacts) => {
    const decision = decideAccess(facts);
    return decision.allowed ? `allowed:${decision.access}` : decision.code;
  };

  it.each([
    ['trusted IdP MFA, no local factor', { aal: 2, phishingResistant: false, idpMfa: true }, false, 'allowed:ok'],
    ['untrusted SSO session (aal 1), no local factor', { aal: 1, phishingResistant: false, idpMfa: true }, false, 'mfa_enrollment_required'],
    ['untrusted SSO session (aal 1), local factor', { aal: 1, phishingResistant: false, idpMfa: true }, true, 'mfa_step_up_required'],
    ['local aal-2 session of a user who deleted their factor', { aal: 2, phishingResistant: false, idpMfa: false }, false, 'mfa_enrollment_required'],
  ] as const)('%s → %s', (_name, credential, hasFactor, expected) => {
    expect(outcomeOf(base(credential, hasFactor))).toBe(expected);
  });
});
