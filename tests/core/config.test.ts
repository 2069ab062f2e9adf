import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';

describe('GATEHOUSE_ACCESS_CACHE', () => {
  it.each([
    ['the embedded database (no DATABASE_URL): on', {}, true],
    ['PostgreSQL: off, revocation must reach every instance at once', { DATABASE_URL: 'postgres://db/gatehouse' }, false],
    ['postgresql:// scheme: off', { DATABASE_URL: 'postgresql://db/gatehouse' }, false],
    ['PostgreSQL, turned on by the operator', { DATABASE_URL: 'postgres://db/gatehouse', GATEHOUSE_ACCESS_CACHE: 'on' }, true],
    ['embedded, turned off', { GATEHOUSE_ACCESS_CACHE: 'off' }, false],
  ] as const)('%s', (_label, env, expected) => {
    expect(parseConfig(env).accessCache).toBe(expected);
  });

  it('refuses anything but on or off', () => {
    expect(() => parseConfig({ GATEHOUSE_ACCESS_CACHE: 'yes' })).toThrow(ConfigError);
  });
});
