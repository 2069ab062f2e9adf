import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMS, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../src/crypto/passwordHash.ts';

const PARAMS_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';

describe('hashPassword / verifyPassword', () => {
  it('round-trips and refuses a wrong password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(hash, 'Correct horse battery staple')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('uses argon2id with m=19456 KiB, t=2, p=1 and a fresh salt each time', async () => {
    const a = await hashPassword('same password');
    const b = await hashPassword('same password');
    expect(a.startsWith(PARAMS_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('handles non-ASCII passwords', async () => {
    const hash = await hashPassword('pässwörd 🔑');
    expect(await verifyPassword(hash, 'pässwörd 🔑')).toBe(true);
    expect(await verifyPassword(hash, 'passwörd 🔑')).toBe(false);
  });

  it('returns false instead of throwing on a malformed hash', async () => {
    const good = await hashPassword('pw');
    for (const malformed of ['', 'not a hash', '$argon2id$', good.slice(0, -10), good.replace('argon2id', 'argon9'), '$2b$10$abcdefghijklmnopqrstuv']) {
      await expect(verifyPassword(malformed, 'pw')).resolves.toBe(false);
    }
  });
});

describe('DUMMY_PASSWORD_HASH', () => {
  it('is a valid argon2id hash with exactly the real parameters', () => {
    expect(DUMMY_PASSWORD_HASH.startsWith(PARAMS_PREFIX)).toBe(true);
    // salt and 32-byte digest, unpadded base64
    expect(DUMMY_PASSWORD_HASH.slice(PARAMS_PREFIX.length)).toMatch(/^[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('verifies to false for a random password', async () => {
    expect(await verifyPassword(DUMMY_PASSWORD_HASH, randomBytes(16).toString('base64url'))).toBe(false);
  });

  it('has the same parameter string as a fresh hash, so both login paths cost the same', async () => {
    const fresh = await hashPassword('x');
    const paramsOf = (hash: string): string => hash.split('$').slice(0, 4).join('$');
    expect(paramsOf(DUMMY_PASSWORD_HASH)).toBe(paramsOf(fresh));
  });
});

describe('ARGON2_PARAMS', () => {
  it('is frozen and matches OWASP argon2id minimums', () => {
    expect(Object.isFrozen(ARGON2_PARAMS)).toBe(true);
    expect(ARGON2_PARAMS).toMatchObject({ algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });
});
