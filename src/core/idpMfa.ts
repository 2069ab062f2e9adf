/**
 * When does an identity provider's sign-in count as MFA in Gatehouse? A pure rule over the ID
 * token's `amr` and `auth_time` (OpenID Connect Core §2, RFC 8176), the organization's
 * settings and the injected clock.
 */

/**
 * RFC 8176 methods that show a factor beyond the password. Left out on purpose: `sms` and `tel`
 * (NIST SP 800-63B restricts them), `pin` and `kba` (something you know, like the password),
 * `pop`, `sc`, `mca` and the like (too loosely defined to count for every IdP), and anything
 * unregistered.
 */
export const SECOND_FACTOR_AMR: readonly string[] = ['mfa', 'otp', 'hwk', 'swk', 'fpt'];

/** The RFC 8176 registry: only these values are copied from an ID token into a session. */
const REGISTERED_AMR: ReadonlySet<string> = new Set([
  'face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd',
  'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia',
]);

/** An IdP's clock may run a little ahead of ours: auth_time up to this far in the future is "now". */
export const AUTH_TIME_SKEW_SECONDS = 300;

export interface IdpMfaFacts {
  trustIdpMfa: boolean;
  maxAuthAgeSeconds: number;
  /** The ID token's `amr` claim as received (anything: it is checked here). */
  amr: unknown;
  /** The ID token's `auth_time` claim in seconds since the epoch, as received. */
  authTime: unknown;
  now: Date;
}

export type IdpMfaVerdict =
  | { trusted: true; phishingResistant: boolean }
  | { trusted: false; reason: 'trust_off' | 'no_second_factor' | 'no_auth_time' | 'too_old' | 'auth_time_in_future' };

export function judgeIdpMfa(facts: IdpMfaFacts): IdpMfaVerdict {
  if (!facts.trustIdpMfa) return { trusted: false, reason: 'trust_off' };
  const amr = idpAmr(facts.amr);
  if (!amr.some((method) => SECOND_FACTOR_AMR.includes(method))) return { trusted: false, reason: 'no_second_factor' };
  if (typeof facts.authTime !== 'number' || !Number.isFinite(facts.authTime)) return { trusted: false, reason: 'no_auth_time' };
  // The factor was checked at auth_time, not now: an IdP session days old proves nothing about
  // who holds the browser today, so its MFA counts only within the organization's window.
  const ageSeconds = facts.now.getTime() / 1000 - facts.authTime;
  if (ageSeconds < -AUTH_TIME_SKEW_SECONDS) return { trusted: false, reason: 'auth_time_in_future' };
  if (ageSeconds > facts.maxAuthAgeSeconds) return { trusted: false, reason: 'too_old' };
  // Only a hardware key is taken as phishing-resistant: an IdP's "swk" may be an OTP app or a
  // software certificate, not an origin-bound passkey.
  return { trusted: true, phishingResistant: amr.includes('hwk') };
}

/** The registered RFC 8176 values of a received `amr` claim, without duplicates. */
export function idpAmr(claim: unknown): string[] {
  if (!Array.isArray(claim)) return [];
  return [...new Set(claim.filter((value): value is string => typeof value === 'string' && REGISTERED_AMR.has(value)))];
}

/**
 * The `amr` of a session created by single sign-on: `sso`, then what the IdP reported, plus `mfa`
 * when its MFA is trusted. `swk` is left out because Gatehouse's access decision reads a session's
 * `swk` as a local passkey (phishing-resistant), which an IdP's `swk` need not be; and `hwk` is
 * kept only when trusted.
 */
export function ssoSessionAmr(claim: unknown, verdict: IdpMfaVerdict): string[] {
  const reported = idpAmr(claim).filter((method) => method !== 'swk' && (method !== 'hwk' || verdict.trusted));
  const amr = ['sso', ...reported];
  if (verdict.trusted && !amr.includes('mfa')) amr.push('mfa');
  return amr;
}
