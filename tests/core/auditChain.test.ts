import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditEventHash, canonicalJson, chainEvents, checkLink } from '../../src/core/auditChain.ts';

const event = {
  prevHash: null,
  id: 'evt_1',
  orgId: 'org_1',
  action: 'org.edit',
  actorId: 'usr_1',
  targetId: null,
  data: { changes: { mfa_required: [false, true] }, b: 1, a: 'x' },
  createdAt: new Date('2025-05-01T12:00:00.123Z'),
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }, 3], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1},3]}');
  });

  it('encodes equal values equally whatever their key order, and drops undefined like JSON', () => {
    expect(canonicalJson({ x: 1, y: { q: 'é', p: true } })).toBe(canonicalJson({ y: { p: true, q: 'é' }, x: 1, z: undefined }));
  });

  it('writes dates as ISO strings', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('auditEventHash', () => {
  it('is SHA-256 over the versioned JSON array of link and fields (known answer)', () => {
    const input = JSON.stringify([
      'gatehouse.audit.v1',
      null,
      'evt_1',
      'org_1',
      'org.edit',
      'usr_1',
      null,
      '{"a":"x","b":1,"changes":{"mfa_required":[false,true]}}',
      '2025-05-01T12:00:00.123Z',
    ]);
    expect(auditEventHash(event)).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('changes with any field, and with the link', () => {
    const base = auditEventHash(event);
    for (const changed of [
      { prevHash: 'a'.repeat(64) },
      { id: 'evt_2' },
      { orgId: null },
      { action: 'org.create' },
      { actorId: null },
      { targetId: 'usr_1' },
      { data: { ...event.data, b: 2 } },
      { createdAt: new Date('2025-05-01T12:00:00.124Z') },
    ]) {
      expect(auditEventHash({ ...event, ...changed }), JSON.stringify(changed)).not.toBe(base);
    }
  });

  it('keeps fields apart: moving text from one field to its neighbour changes the hash', () => {
    expect(auditEventHash({ ...event, actorId: 'ab', targetId: 'c' })).not.toBe(auditEventHash({ ...event, actorId: 'a', targetId: 'bc' }));
  });
});

describe('chainEvents and checkLink', () => {
  it('links each event to the one before it, starting from the head', () => {
    const [first, second] = chainEvents('h'.repeat(64), [event, { ...event, id: 'evt_2' }]);
    expect(first!.prevHash).toBe('h'.repeat(64));
    expect(second!.prevHash).toBe(first!.hash);
    expect(checkLink('h'.repeat(64), first!)).toBeNull();
    expect(checkLink(first!.hash, second!)).toBeNull();
  });

  it('names what broke', () => {
    const [linked] = chainEvents(null, [event]);
    expect(checkLink(null, { ...linked!, action: 'x' })).toBe('hash_mismatch');
    expect(checkLink('f'.repeat(64), linked!)).toBe('link_mismatch');
    expect(checkLink(null, { ...linked!, hash: null })).toBe('missing_hash');
  });
});
