import { describe, expect, it } from 'vitest';
import { idpAmr, judgeIdpMfa, ssoSessionAmr, type IdpMfaFacts } from '../../src/core/idpMfa.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

type Row = [name: string, facts: Partial<IdpMfaFacts>, expected: string];

// `expected`: "trusted", "trusted+pr" (phishing-resistant) or the reason it is not trusted.
const table: Row[] = [
  ['trust off, otp just now', { trustIdpMfa: false }, 'trust_off'],
  ['otp just now', {}, 'trusted'],
  ['mfa just now', { amr: ['mfa'] }, 'trusted'],
  ['hardware key: phishing-resistant', { amr: ['hwk', 'pwd'] }, 'trusted+pr'],
  ['software key: trusted, not phishing-resistant', { amr: ['swk'] }, 'trusted'],
  ['fingerprint', { amr: ['fpt'] }, 'trusted'],
  ['password only', { amr: ['pwd'] }, 'no_second_factor'],
  ['sms is not trusted', { amr: ['pwd', 'sms'] }, 'no_second_factor'],
  ['pin and kba are things you know', { amr: ['pin', 'kba'] }, 'no_second_factor'],
  ['no amr', { amr: undefined }, 'no_second_factor'],
  ['amr not a list', { amr: 'otp' }, 'no_second_factor'],
  ['unregistered values are ignored', { amr: ['OTP', 'totp'] }, 'no_second_factor'],
  ['no auth_time', { authTime: undefined }, 'no_auth_time'],
  ['auth_time not a number', { authTime: String(nowSeconds) }, 'no_auth_time'],
  ['exactly at the window', { authTime: nowSeconds - 3600 }, 'trusted'],
  ['one second past the window', { authTime: nowSeconds - 3601 }, 'too_old'],
  ['two hours old', { authTime: nowSeconds - 7200 }, 'too_old'],
  ['a narrower window', { authTime: nowSeconds - 120, maxAuthAgeSeconds: 60 }, 'too_old'],
  ['IdP clock a little ahead', { authTime: nowSeconds + 300 }, 'trusted'],
  ['auth_time far in the future', { authTime: nowSeconds + 301 }, 'auth_time_in_future'],
];

describe('judgeIdpMfa', () => {
  it.each(table)('%s → %s', (_name, overrides, expected) => {
    const verdict = judgeIdpMfa({ trustIdpMfa: true, maxAuthAgeSeconds: 3600, amr: ['pwd', 'otp'], authTime: nowSeconds, now: NOW, ...overrides });
    const got = verdict.trusted ? (verdict.phishingResistant ? 'trusted+pr' : 'trusted') : verdict.reason;
    expect(got).toBe(expected);
  });
});

describe('ssoSessionAmr', () => {
  const trusted = { trusted: true, phishingResistant: false } as const;
  const untrusted = { trusted: false, reason: 'trust_off' } as const;

  it('marks the session `sso`, keeps registered values, and adds `mfa` when trusted', () => {
    expect(ssoSessionAmr(['pwd', 'otp'], trusted)).toEqual(['sso', 'pwd', 'otp', 'mfa']);
    expect(ssoSessionAmr(['pwd', 'otp'], untrusted)).toEqual(['sso', 'pwd', 'otp']);
  });

  it('drops `swk` (read as a local passkey elsewhere) and keeps `hwk` only when trusted', () => {
    expect(ssoSessionAmr(['swk', 'mfa'], trusted)).toEqual(['sso', 'mfa']);
    expect(ssoSessionAmr(['hwk'], { trusted: true, phishingResistant: true })).toEqual(['sso', 'hwk', 'mfa']);
    expect(ssoSessionAmr(['hwk'], untrusted)).toEqual(['sso']);
  });

  it('copies nothing unregistered or malformed from the token', () => {
    expect(idpAmr(['pwd', 'pwd', 'x'.repeat(1000), 7, null, 'otp'])).toEqual(['pwd', 'otp']);
    expect(ssoSessionAmr({ 0: 'otp' }, untrusted)).toEqual(['sso']);
  });
});
