import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from '../../src/core/commonPasswords.ts';
import { checkPasswordStrength } from '../../src/core/passwordPolicy.ts';

describe('checkPasswordStrength', () => {
  it('rejects fewer than 8 characters', () => {
    for (const password of ['', 'a', 'Xk9#mQ2', '1234567']) expect(checkPasswordStrength(password)).toBe('too_short');
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    // 4 emoji are 8 UTF-16 units but 4 characters.
    expect(checkPasswordStrength('🔑🔒🔐🛡')).toBe('too_short');
    expect(checkPasswordStrength('🔑🔒🛡🔐🔓🧷🪪🗄')).toBe('ok');
    // 8 accented letters, each one code point.
    expect(checkPasswordStrength('éàüöñçøå')).toBe('ok');
  });

  it('rejects commonly used passwords, case-insensitively', () => {
    for (const password of [
      'password', '12345678', 'password1', 'qwertyuiop', 'iloveyou1', 'football', 'baseball1', 'sunshine',
      'princess', '11111111', '123456789', '1234567890', 'qwerty123', 'abc12345', 'PASSWORD', 'Sunshine', 'P@ssw0rd',
      'trustno1', 'letmein1', 'Password123',
    ]) {
      expect(checkPasswordStrength(password), password).toBe('common');
    }
  });

  it('accepts a long uncommon password', () => {
    expect(checkPasswordStrength('correct horse battery staple')).toBe('ok');
    expect(checkPasswordStrength('Xk9#mQ2v')).toBe('ok');
  });

  it('does not trim or otherwise alter the password before checking', () => {
    expect(checkPasswordStrength(' password')).toBe('ok');
  });
});

describe('COMMON_PASSWORDS', () => {
  it('holds at least 1,000 lowercase entries of at least 8 characters', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(1000);
    const misfits = [...COMMON_PASSWORDS].filter((entry) => entry !== entry.toLowerCase() || [...entry].length < 8);
    expect(misfits).toEqual([]);
  });
});
