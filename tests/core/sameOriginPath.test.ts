import { describe, expect, it } from 'vitest';
import { sameOriginPath } from '../../src/core/sameOriginPath.ts';

describe('sameOriginPath: where a browser may be sent after single sign-on', () => {
  it.each([
    ['/', '/'],
    ['/orgs/acme', '/orgs/acme'],
    ['/orgs/acme?tab=members#top', '/orgs/acme?tab=members#top'],
    ['/a/../b', '/b'],
  ])('accepts %s', (input, expected) => {
    expect(sameOriginPath(input)).toBe(expected);
  });

  it.each(['', 'orgs/acme', '//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', '/ok\nSet-Cookie: x=y', `/${'a'.repeat(600)}`])(
    'refuses %j',
    (input) => {
      expect(sameOriginPath(input)).toBeNull();
    },
  );
});
