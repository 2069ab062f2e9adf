import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, type Random } from '../../src/core/random.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from '../../src/core/recoveryCodes.ts';

function recordingRandom(): Random & { calls: Uint8Array[] } {
  const calls: Uint8Array[] = [];
  let counter = 0;
  return {
    calls,
    bytes(length) {
      const out = new Uint8Array(createHash('sha512').update(`seed-${counter++}`).digest().subarray(0, length));
      calls.push(out);
      return out;
    },
  };
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('generateRecoveryCodes', () => {
  it('makes 10 codes by default, each 120 random bits in six groups of four (at least 112 bits: a plain hash suffices)', () => {
    const random = recordingRandom();
    const codes = generateRecoveryCodes(random);
    expect(codes).toHaveLength(10);
    expect(random.calls).toHaveLength(10);
    codes.forEach((code, i) => {
      expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
      expect(random.calls[i]).toHaveLength(15);
      expect(code.replaceAll('-', '')).toBe(base32(random.calls[i]!));
    });
  });

  it('honours count and gives distinct codes', () => {
    const codes = generateRecoveryCodes(recordingRandom(), 16);
    expect(codes).toHaveLength(16);
    expect(new Set(codes).size).toBe(16);
  });

  it('rejects a non-positive count', () => {
    expect(() => generateRecoveryCodes(recordingRandom(), 0)).toThrow();
    expect(() => generateRecoveryCodes(recordingRandom(), 1.5)).toThrow();
  });
});

describe('normalizeRecoveryCode', () => {
  it('lowercases and strips spaces and dashes', () => {
    expect(normalizeRecoveryCode(' ABCD-efgh  IJKL-mn op\t')).toBe('abcdefghijklmnop');
    expect(normalizeRecoveryCode('abcd--efgh')).toBe('abcdefgh');
  });

  it('leaves other characters alone', () => {
    expect(normalizeRecoveryCode('ab_cd.ef')).toBe('ab_cd.ef');
  });
});

describe('hashRecoveryCode', () => {
  it('is the hex SHA-256 of the normalized code', () => {
    expect(hashRecoveryCode('abcd-efgh-ijkl-mnop')).toBe(sha256Hex('abcdefghijklmnop'));
  });

  it('is the same however the user typed the code', () => {
    const [code] = generateRecoveryCodes(recordingRandom(), 1);
    const typed = ` ${code!.toUpperCase().replaceAll('-', ' ')} `;
    expect(hashRecoveryCode(typed)).toBe(hashRecoveryCode(code!));
  });

  it('differs for different codes', () => {
    const [a, b] = generateRecoveryCodes(recordingRandom(), 2);
    expect(hashRecoveryCode(a!)).not.toBe(hashRecoveryCode(b!));
  });
});
