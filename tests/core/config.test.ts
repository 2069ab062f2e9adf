import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';

describe('GATEHOUSE_ACCESS_CACHE', () => {
  it.each([
    ['the embedded database (no DATABASE_URL): on', {}, true],
    ['PostgreSQL: on, strict across instances by the write barrier', { DATABASE_URL: 'postgres://db/gatehouse' }, true],
    ['postgresql:// scheme: on', { DATABASE_URL: 'postgresql://db/gatehouse' }, true],
    ['PostgreSQL, turned off by the operator', { DATABASE_URL: 'postgres://db/gatehouse', GATEHOUSE_ACCESS_CACHE: 'off' }, false],
    ['embedded, turned off', { GATEHOUSE_ACCESS_CACHE: 'off' }, false],
  ] as const)('%s', (_label, env, expected) => {
    expect(parseConfig(env).accessCache).toBe(expected);
  });

  it('refuses anything but on or off', () => {
    expect(() => parseConfig({ GATEHOUSE_ACCESS_CACHE: 'yes' })).toThrow(ConfigError);
  });
});

describe('GATEHOUSE_REQUIRE_MFA', () => {
  it.each([
    ['unset: off, each organization decides', {}, false],
    ['empty: off', { GATEHOUSE_REQUIRE_MFA: '' }, false],
    ['on: every user of the instance needs MFA', { GATEHOUSE_REQUIRE_MFA: 'on' }, true],
    ['off', { GATEHOUSE_REQUIRE_MFA: 'off' }, false],
  ] as const)('%s', (_label, env, expected) => {
    expect(parseConfig(env).requireMfa).toBe(expected);
  });

  it('refuses anything but on or off, rather than guessing what "1" or "true" meant', () => {
    for (const value of ['1', 'true', 'yes', 'ON']) expect(() => parseConfig({ GATEHOUSE_REQUIRE_MFA: value })).toThrow(ConfigError);
  });

  it('is frozen with the rest of the configuration', () => {
    const config = parseConfig({ GATEHOUSE_REQUIRE_MFA: 'on' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => Object.assign(config, { requireMfa: false })).toThrow(TypeError);
  });
});
