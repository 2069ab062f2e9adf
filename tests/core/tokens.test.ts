import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Random } from '../../src/core/random.ts';
import { hashToken, newToken, tokenKind, type TokenKind } from '../../src/core/tokens.ts';

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

const KINDS: Array<[TokenKind, string]> = [
  ['session', 'gses_'],
  ['pat', 'gpat_'],
  ['invitation', 'ginv_'],
];

describe('newToken', () => {
  for (const [kind, prefix] of KINDS) {
    it(`${kind}: ${prefix} + base64url of 32 random bytes`, () => {
      const random = recordingRandom();
      const token = newToken(random, kind);
      expect(random.calls).toHaveLength(1);
      expect(random.calls[0]).toHaveLength(32);
      expect(token).toBe(prefix + Buffer.from(random.calls[0]!).toString('base64url'));
      expect(token).toMatch(/^g[a-z]{3}_[A-Za-z0-9_-]{43}$/);
    });
  }

  it('differs each time', () => {
    const random = recordingRandom();
    expect(newToken(random, 'session')).not.toBe(newToken(random, 'session'));
  });
});

describe('hashToken', () => {
  it('is the hex SHA-256 of the whole token', () => {
    const token = newToken(recordingRandom(), 'pat');
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('depends on the prefix too', () => {
    const token = newToken(recordingRandom(), 'pat');
    expect(hashToken(token)).not.toBe(hashToken(token.replace('gpat_', 'gses_')));
  });
});

describe('tokenKind', () => {
  it('recognises each kind from a fresh token', () => {
    const random = recordingRandom();
    for (const [kind] of KINDS) expect(tokenKind(newToken(random, kind))).toBe(kind);
  });

  it('rejects unknown prefixes', () => {
    const body = newToken(recordingRandom(), 'session').slice('gses_'.length);
    for (const prefix of ['', 'gxxx_', 'GSES_', 'ses_', 'gses', 'gses-']) expect(tokenKind(prefix + body)).toBeNull();
  });

  it('rejects a body of the wrong length or charset', () => {
    const token = newToken(recordingRandom(), 'session');
    expect(tokenKind(token.slice(0, -1))).toBeNull();
    expect(tokenKind(`${token}A`)).toBeNull();
    expect(tokenKind(`${token.slice(0, -1)}=`)).toBeNull();
    expect(tokenKind(`${token.slice(0, -1)}+`)).toBeNull();
    expect(tokenKind(`${token.slice(0, 10)}.${token.slice(11)}`)).toBeNull();
    expect(tokenKind('gses_')).toBeNull();
    expect(tokenKind('')).toBeNull();
  });
});
