import { timingSafeEqual } from 'node:crypto';
import { generateSync } from 'otplib';
import { base32, type Random } from './random.ts';

/**
 * TOTP (RFC 6238) on top of otplib's HOTP (RFC 4226).
 *
 * Everything here is synchronous: otplib v13's default crypto plugin (@noble/hashes) computes
 * HMACs synchronously, so `generateSync` works without extra plugins. Time is always a
 * parameter (`now`), never read from the system clock.
 *
 * We compute TOTP as HOTP(counter = time step) ourselves rather than calling otplib's TOTP
 * verify, so that the step we return, the drift window and the replay check all use one
 * definition of "step": floor(unixSeconds / period).
 */

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

const DEFAULT_ALGORITHM: TotpAlgorithm = 'sha1';
const DEFAULT_DIGITS = 6;
const DEFAULT_PERIOD_SECONDS = 30;
const DEFAULT_WINDOW_STEPS = 1;
/** Each extra step multiplies a guesser's odds; more than this is a misconfiguration. */
const MAX_WINDOW_STEPS = 10;
/** RFC 4226 section 4 requires at least 6 digits; 8 is the largest the RFCs define. */
const MIN_DIGITS = 6;
const MAX_DIGITS = 8;

/**
 * 20 random bytes: RFC 4226 section 4 requires at least 128 bits and recommends 160 (the
 * HMAC-SHA1 output size, so the key carries as much entropy as the MAC can use). Encoded as
 * 32 uppercase RFC 4648 base32 characters without padding: the form authenticator apps accept
 * when the secret is typed in or scanned.
 */
export function generateTotpSecret(random: Random): string {
  return base32(random.bytes(20)).toUpperCase();
}

/**
 * The otpauth:// URI for a QR code (Google Authenticator "Key Uri Format"). The label is
 * `Issuer:account`, each part percent-encoded on its own (so a ':' inside either is escaped
 * and cannot forge the separator), and the issuer is repeated as a parameter as the format
 * recommends. The parameters are spelled out even though they are the defaults (otplib's
 * generateURI omits them) so that no app has to guess.
 */
export function totpUri(options: { secret: string; accountName: string; issuer: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.accountName)}`;
  const params = [
    `secret=${encodeURIComponent(options.secret)}`,
    `issuer=${encodeURIComponent(options.issuer)}`,
    'algorithm=SHA1',
    `digits=${DEFAULT_DIGITS}`,
    `period=${DEFAULT_PERIOD_SECONDS}`,
  ];
  return `otpauth://totp/${label}?${params.join('&')}`;
}

/** RFC 4226 HOTP value for one counter. `secret` is base32 text or the raw key bytes. */
export function hotpCode(options: {
  secret: string | Uint8Array;
  counter: number;
  algorithm?: TotpAlgorithm;
  digits?: number;
}): string {
  return generateSync({
    strategy: 'hotp',
    secret: options.secret,
    counter: options.counter,
    algorithm: options.algorithm ?? DEFAULT_ALGORITHM,
    digits: checkedDigits(options.digits),
  });
}

/** The TOTP code for the time step containing `now`. */
export function totpCode(options: {
  secret: string;
  now: Date;
  algorithm?: TotpAlgorithm;
  digits?: number;
  periodSeconds?: number;
}): string {
  return hotpCode({
    secret: options.secret,
    counter: timeStep(options.now, checkedPeriod(options.periodSeconds)),
    algorithm: options.algorithm,
    digits: options.digits,
  });
}

/**
 * Checks a code typed by a user. Returns the time step it belongs to, or null.
 *
 * - Whitespace is stripped ("123 456" is how some apps display a code).
 * - Steps within ±windowSteps of now are tried, to tolerate clock drift and typing time.
 * - A step is only accepted if it is strictly greater than `lastUsedStep`: the caller stores
 *   the returned step, so each code (and every older one) works once. Without this, a code
 *   shoulder-surfed or phished could be replayed for the rest of the window.
 */
export function verifyTotp(options: {
  secret: string;
  code: string;
  now: Date;
  lastUsedStep: number | null;
  /** Steps of drift accepted each way; default 1 (±30 s with the default period). */
  windowSteps?: number;
  algorithm?: TotpAlgorithm;
  digits?: number;
  periodSeconds?: number;
}): { step: number } | null {
  const digits = checkedDigits(options.digits);
  const period = checkedPeriod(options.periodSeconds);
  const windowSteps = options.windowSteps ?? DEFAULT_WINDOW_STEPS;
  if (!Number.isInteger(windowSteps) || windowSteps < 0 || windowSteps > MAX_WINDOW_STEPS) {
    throw new RangeError(`windowSteps must be an integer from 0 to ${MAX_WINDOW_STEPS}`);
  }

  const code = options.code.replace(/\s+/g, '');
  // Rejecting on shape before any HMAC only reveals the (public) expected length and charset.
  if (code.length !== digits || !/^[0-9]+$/.test(code)) return null;
  const given = Buffer.from(code, 'ascii');

  const current = timeStep(options.now, period);
  let matched: number | null = null;
  // Every candidate step is computed and compared, with no early exit, so the time taken does
  // not reveal whether (or at which offset) the code matched.
  for (let offset = -windowSteps; offset <= windowSteps; offset += 1) {
    const step = current + offset;
    if (step < 0) continue;
    const expected = Buffer.from(
      hotpCode({ secret: options.secret, counter: step, algorithm: options.algorithm, digits }),
      'ascii',
    );
    // Constant-time so an attacker cannot learn the code digit by digit from response times.
    // Both buffers are `digits` bytes long, as timingSafeEqual requires.
    const equal = timingSafeEqual(expected, given);
    const fresh = options.lastUsedStep === null || step > options.lastUsedStep;
    // The earliest fresh step wins: if a code happens to be valid for two steps, accepting the
    // older one keeps the user's next code usable.
    if (equal && fresh && matched === null) matched = step;
  }
  return matched === null ? null : { step: matched };
}

function timeStep(now: Date, periodSeconds: number): number {
  const millis = now.getTime();
  if (!Number.isFinite(millis) || millis < 0) throw new RangeError('now must be a valid date after 1970');
  return Math.floor(Math.floor(millis / 1000) / periodSeconds);
}

function checkedDigits(digits: number | undefined): number {
  const value = digits ?? DEFAULT_DIGITS;
  if (!Number.isInteger(value) || value < MIN_DIGITS || value > MAX_DIGITS) {
    throw new RangeError(`digits must be an integer from ${MIN_DIGITS} to ${MAX_DIGITS}`);
  }
  return value;
}

function checkedPeriod(periodSeconds: number | undefined): number {
  const value = periodSeconds ?? DEFAULT_PERIOD_SECONDS;
  if (!Number.isInteger(value) || value < 1) throw new RangeError('periodSeconds must be a positive integer');
  return value;
}
