import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, type Random } from '../../src/core/random.ts';
import { generateTotpSecret, hotpCode, totpCode, totpUri, verifyTotp, type TotpAlgorithm } from '../../src/core/totp.ts';

function recordingRandom(): Random & { calls: Uint8Array[] } {
  const calls: Uint8Array[] = [];
  let counter = 0;
  return {
    calls,
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 32) {
        out.set(createHash('sha256').update(`seed-${counter++}`).digest().subarray(0, length - i), i);
      }
      calls.push(out);
      return out;
    },
  };
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

// RFC 4226 Appendix D.
const HOTP_SECRET = '12345678901234567890';
const HOTP_VECTORS = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

// RFC 6238 Appendix B: the seed is a different length per hash (20, 32, 64 bytes).
const TOTP_SEEDS: Record<TotpAlgorithm, string> = {
  sha1: '12345678901234567890',
  sha256: '12345678901234567890123456789012',
  sha512: '1234567890123456789012345678901234567890123456789012345678901234',
};
const TOTP_VECTORS: Array<[number, TotpAlgorithm, string]> = [
  [59, 'sha1', '94287082'],
  [59, 'sha256', '46119246'],
  [59, 'sha512', '90693936'],
  [1111111109, 'sha1', '07081804'],
  [1111111109, 'sha256', '68084774'],
  [1111111109, 'sha512', '25091201'],
  [1111111111, 'sha1', '14050471'],
  [1111111111, 'sha256', '67062674'],
  [1111111111, 'sha512', '99943326'],
  [1234567890, 'sha1', '89005924'],
  [1234567890, 'sha256', '91819424'],
  [1234567890, 'sha512', '93441116'],
  [2000000000, 'sha1', '69279037'],
  [2000000000, 'sha256', '90698825'],
  [2000000000, 'sha512', '38618901'],
  [20000000000, 'sha1', '65353130'],
  [20000000000, 'sha256', '77737706'],
  [20000000000, 'sha512', '47863826'],
];

describe('hotpCode (RFC 4226 Appendix D)', () => {
  HOTP_VECTORS.forEach((expected, counter) => {
    it(`counter ${counter} -> ${expected}`, () => {
      expect(hotpCode({ secret: ascii(HOTP_SECRET), counter })).toBe(expected);
      // The same key given as base32 text gives the same codes.
      expect(hotpCode({ secret: base32(ascii(HOTP_SECRET)).toUpperCase(), counter })).toBe(expected);
    });
  });
});

describe('totpCode (RFC 6238 Appendix B)', () => {
  for (const [seconds, algorithm, expected] of TOTP_VECTORS) {
    it(`${algorithm} at T=${seconds} -> ${expected}`, () => {
      const secret = base32(ascii(TOTP_SEEDS[algorithm])).toUpperCase();
      expect(totpCode({ secret, now: new Date(seconds * 1000), algorithm, digits: 8 })).toBe(expected);
    });
  }

  it('defaults to 6 digits, SHA-1, 30 s (the last 6 digits of the 8-digit vector)', () => {
    const secret = base32(ascii(TOTP_SEEDS.sha1));
    expect(totpCode({ secret, now: new Date(59_000) })).toBe('287082');
  });

  it('changes exactly at the period boundary', () => {
    const secret = base32(ascii(TOTP_SEEDS.sha1));
    const before = totpCode({ secret, now: new Date(59_999) });
    expect(totpCode({ secret, now: new Date(30_000) })).toBe(before);
    expect(totpCode({ secret, now: new Date(60_000) })).not.toBe(before);
  });

  it('honours a custom period', () => {
    const secret = base32(ascii(TOTP_SEEDS.sha1));
    // With a 60 s period, T=119 is step 1, whose HOTP value is 287082.
    expect(totpCode({ secret, now: new Date(119_000), periodSeconds: 60 })).toBe('287082');
  });
});

describe('generateTotpSecret', () => {
  it('is 32 uppercase base32 characters encoding 20 random bytes', () => {
    const random = recordingRandom();
    const secret = generateTotpSecret(random);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(random.calls).toHaveLength(1);
    expect(random.calls[0]).toHaveLength(20);
    expect(secret).toBe(base32(random.calls[0]!).toUpperCase());
  });

  it('is usable by totpCode', () => {
    const secret = generateTotpSecret(recordingRandom());
    expect(totpCode({ secret, now: new Date(1_700_000_000_000) })).toMatch(/^\d{6}$/);
  });
});

describe('totpUri', () => {
  it('has the Key Uri Format shape with explicit parameters', () => {
    const uri = totpUri({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', accountName: 'alice@example.com', issuer: 'Acme Corp' });
    expect(uri).toBe(
      'otpauth://totp/Acme%20Corp:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' +
        '&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('encodes separators inside the issuer and account name', () => {
    const uri = new URL(totpUri({ secret: 'ABC', accountName: 'a:b&c=d?', issuer: 'X:Y&Z' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.pathname).toBe('/X%3AY%26Z:a%3Ab%26c%3Dd%3F');
    expect(uri.searchParams.get('issuer')).toBe('X:Y&Z');
    expect(uri.searchParams.get('secret')).toBe('ABC');
    expect([...uri.searchParams.keys()]).toEqual(['secret', 'issuer', 'algorithm', 'digits', 'period']);
  });
});

describe('verifyTotp', () => {
  const secret = base32(ascii(TOTP_SEEDS.sha1)).toUpperCase();
  const now = new Date(1_700_000_010_000);
  const current = Math.floor(1_700_000_010 / 30);
  const codeAt = (step: number): string => hotpCode({ secret, counter: step });

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: null })).toEqual({ step: current });
  });

  it('accepts ±1 step of drift and reports the step that matched', () => {
    expect(verifyTotp({ secret, code: codeAt(current - 1), now, lastUsedStep: null })).toEqual({ step: current - 1 });
    expect(verifyTotp({ secret, code: codeAt(current + 1), now, lastUsedStep: null })).toEqual({ step: current + 1 });
  });

  it('refuses ±2 steps with the default window', () => {
    for (const step of [current - 2, current + 2]) {
      // Guard against the 1-in-a-million chance the far code equals one inside the window.
      expect([codeAt(current - 1), codeAt(current), codeAt(current + 1)]).not.toContain(codeAt(step));
      expect(verifyTotp({ secret, code: codeAt(step), now, lastUsedStep: null })).toBeNull();
    }
  });

  it('follows windowSteps', () => {
    expect(verifyTotp({ secret, code: codeAt(current - 1), now, lastUsedStep: null, windowSteps: 0 })).toBeNull();
    expect(verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: null, windowSteps: 0 })).toEqual({ step: current });
    expect(verifyTotp({ secret, code: codeAt(current - 2), now, lastUsedStep: null, windowSteps: 2 })).toEqual({
      step: current - 2,
    });
  });

  it('refuses a code whose step is not after lastUsedStep (replay)', () => {
    const first = verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: null });
    expect(first).toEqual({ step: current });
    expect(verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: first!.step })).toBeNull();
    expect(verifyTotp({ secret, code: codeAt(current - 1), now, lastUsedStep: first!.step })).toBeNull();
    expect(verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: current + 1 })).toBeNull();
    // The next step's code is still good.
    expect(verifyTotp({ secret, code: codeAt(current + 1), now, lastUsedStep: first!.step })).toEqual({ step: current + 1 });
  });

  it('accepts a code whose step is just after lastUsedStep', () => {
    expect(verifyTotp({ secret, code: codeAt(current), now, lastUsedStep: current - 1 })).toEqual({ step: current });
  });

  it('strips whitespace inside the code', () => {
    const code = codeAt(current);
    const spaced = ` ${code.slice(0, 3)} ${code.slice(3)}\t`;
    expect(verifyTotp({ secret, code: spaced, now, lastUsedStep: null })).toEqual({ step: current });
  });

  it('refuses a wrong code', () => {
    const window = new Set([codeAt(current - 1), codeAt(current), codeAt(current + 1)]);
    let wrong = codeAt(current);
    while (window.has(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, '0');
    expect(verifyTotp({ secret, code: wrong, now, lastUsedStep: null })).toBeNull();
  });

  it('refuses wrong lengths and non-digits', () => {
    const code = codeAt(current);
    for (const bad of [code.slice(0, 5), `${code}0`, `0${code}`, '', `${code.slice(0, 5)}a`, code.replace(/\d/, 'x')]) {
      expect(verifyTotp({ secret, code: bad, now, lastUsedStep: null })).toBeNull();
    }
    // Full-width digits are digits to Unicode, not to us.
    const fullWidth = [...code].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
    expect(verifyTotp({ secret, code: fullWidth, now, lastUsedStep: null })).toBeNull();
  });

  it('verifies 8-digit SHA-512 codes (RFC 6238 vector)', () => {
    const seed = base32(ascii(TOTP_SEEDS.sha512));
    const at = new Date(1_234_567_890_000);
    const options = { secret: seed, now: at, lastUsedStep: null, algorithm: 'sha512' as const, digits: 8 };
    expect(verifyTotp({ ...options, code: '93441116' })).toEqual({ step: Math.floor(1_234_567_890 / 30) });
    expect(verifyTotp({ ...options, code: '441116' })).toBeNull();
    expect(verifyTotp({ ...options, digits: 6, code: '93441116' })).toBeNull();
  });
});
