import { createHash } from 'node:crypto';
import { base32, type Random } from './random.ts';

/**
 * One-time recovery codes: `xxxx-xxxx-xxxx-xxxx-xxxx-xxxx`, 24 lowercase base32 characters =
 * 120 random bits each. Why 120: NIST SP 800-63B-4 (look-up secrets) and ASVS 5.0 (6.5.2) allow
 * a plain one-way hash only for secrets of at least 112 bits; below that they must go through a
 * salted password hash, which would cost an argon2 run per stored code at every use. RFC 4648
 * base32 is single-case and has no 0, 1 or 8 (easily misread as o, l, b), so a code survives
 * being read off paper and retyped; the dashes are only for reading and are ignored when the
 * code is checked. Sets made before codes grew from 80 bits keep working until replaced.
 */
export const RECOVERY_CODE_BYTES = 15;

export function generateRecoveryCodes(random: Random, count = 10): string[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  const codes: string[] = [];
  for (let i = 0; i < count; i += 1) {
    // 15 bytes = 120 bits = exactly 24 base32 characters, no partial last character.
    const raw = base32(random.bytes(RECOVERY_CODE_BYTES));
    codes.push(raw.match(/.{4}/g)!.join('-'));
  }
  return codes;
}

/** What the user typed, in the canonical form that is hashed: lowercase, no spaces or dashes. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, '');
}

/**
 * Hex SHA-256 of the normalized code, the only form stored. A fast hash is enough here: a
 * slow password hash exists to make guessing low-entropy human choices expensive, but these
 * codes are 120 uniformly random bits (at least 112, as the standards ask of a fast hash), so
 * even with the stored hashes an offline search is out of reach. A fast, unsalted digest also
 * lets the code be looked up by its hash in one indexed query instead of verifying it against
 * every stored code.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest('hex');
}
