import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Random } from '../../src/core/random.ts';
import { openSecret, sealSecret } from '../../src/crypto/secretBox.ts';

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

const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
const otherKey = new Uint8Array(32).map((_, i) => i * 7 + 2);
const plaintext = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Flips one bit of the byte at `index` of a base64url part. */
function flipByte(part: string, index: number): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[index] = bytes[index]! ^ 0x01;
  return bytes.toString('base64url');
}

describe('sealSecret / openSecret', () => {
  it('round-trips, with and without associated data', () => {
    const random = recordingRandom();
    expect(openSecret({ key, sealed: sealSecret({ key, plaintext, random }) })).toBe(plaintext);
    const bound = sealSecret({ key, plaintext, random, associatedData: 'fac_abc' });
    expect(openSecret({ key, sealed: bound, associatedData: 'fac_abc' })).toBe(plaintext);
    const unicode = 'clé secrète 🔑';
    expect(openSecret({ key, sealed: sealSecret({ key, plaintext: unicode, random }) })).toBe(unicode);
  });

  it('has the v1.<iv>.<ciphertext+tag> shape with a 96-bit IV from the injected random', () => {
    const random = recordingRandom();
    const sealed = sealSecret({ key, plaintext, random });
    const [version, iv, body, ...rest] = sealed.split('.');
    expect(version).toBe('v1');
    expect(rest).toEqual([]);
    expect(random.calls).toHaveLength(1);
    expect(random.calls[0]).toHaveLength(12);
    expect(iv).toBe(Buffer.from(random.calls[0]!).toString('base64url'));
    // GCM: ciphertext as long as the plaintext, plus a 16-byte tag.
    expect(Buffer.from(body!, 'base64url')).toHaveLength(plaintext.length + 16);
    expect(sealed).not.toContain(plaintext);
  });

  it('uses a fresh IV each time, so equal plaintexts seal differently', () => {
    const random = recordingRandom();
    expect(sealSecret({ key, plaintext, random })).not.toBe(sealSecret({ key, plaintext, random }));
  });

  it('throws on tampered ciphertext, tag or IV', () => {
    const sealed = sealSecret({ key, plaintext, random: recordingRandom() });
    const [version, iv, body] = sealed.split('.') as [string, string, string];
    const bodyLength = Buffer.from(body, 'base64url').length;
    const tampered = [
      `${version}.${iv}.${flipByte(body, 0)}`,
      `${version}.${iv}.${flipByte(body, bodyLength - 1)}`,
      `${version}.${flipByte(iv, 0)}.${body}`,
      `${version}.${iv}.${Buffer.from(body, 'base64url').subarray(0, bodyLength - 1).toString('base64url')}`,
    ];
    for (const candidate of tampered) expect(() => openSecret({ key, sealed: candidate })).toThrow(Error);
  });

  it('throws on wrong or missing associated data', () => {
    const sealed = sealSecret({ key, plaintext, random: recordingRandom(), associatedData: 'fac_abc' });
    expect(() => openSecret({ key, sealed, associatedData: 'fac_abd' })).toThrow(Error);
    expect(() => openSecret({ key, sealed })).toThrow(Error);
    const unbound = sealSecret({ key, plaintext, random: recordingRandom() });
    expect(() => openSecret({ key, sealed: unbound, associatedData: 'fac_abc' })).toThrow(Error);
  });

  it('throws with the wrong key', () => {
    const sealed = sealSecret({ key, plaintext, random: recordingRandom() });
    expect(() => openSecret({ key: otherKey, sealed })).toThrow(Error);
  });

  it('throws on malformed input', () => {
    const sealed = sealSecret({ key, plaintext, random: recordingRandom() });
    const [, iv, body] = sealed.split('.') as [string, string, string];
    for (const candidate of ['', 'v1', `v2.${iv}.${body}`, `v1.${iv}`, `${sealed}.x`, `v1.${iv}.${body}!`, `v1..${body}`]) {
      expect(() => openSecret({ key, sealed: candidate })).toThrow(Error);
    }
  });

  it('never puts the plaintext in the error', () => {
    const sealed = sealSecret({ key, plaintext, random: recordingRandom() });
    let thrown: unknown;
    try {
      openSecret({ key: otherKey, sealed });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(String((thrown as Error).message)).not.toContain(plaintext);
    expect(String((thrown as Error).stack)).not.toContain(plaintext);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => sealSecret({ key: new Uint8Array(16), plaintext, random: recordingRandom() })).toThrow(Error);
    const sealed = sealSecret({ key, plaintext, random: recordingRandom() });
    expect(() => openSecret({ key: new Uint8Array(31), sealed })).toThrow(Error);
  });
});
