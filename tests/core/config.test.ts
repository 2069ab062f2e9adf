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
