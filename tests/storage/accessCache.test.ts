import { describe, expect, it } from 'vitest';
import { AccessCache } from '../../src/db/accessCache.ts';
import type { ResolvedCredential } from '../../src/db/queries/credentials.ts';
import type { OrgAccessRow } from '../../src/db/queries/orgs.ts';

/**
 * The rules that keep src/db/accessCache.ts from outliving a change, without a database: the
 * notifications are applied by hand here. (End to end, with triggers and LISTEN:
 * tests/security/access-cache-revocation.test.ts and tests/concurrency/access-cache-two-instances.test.ts.)
 */
function credential(userId: string): ResolvedCredential {
  return { kind: 'session', id: `ses_${userId}`, userId, email: `${userId}@example.test`, name: null, aal: 2, amr: ['pwd', 'otp', 'mfa'], mfaPending: false, authenticatedAt: null, lastSeenAt: null, expiresAt: null, hasFactor: true, passwordCompromise: null };
}

function accessRow(orgId: string, userId: string): OrgAccessRow {
  return {
    org: { id: orgId, slug: orgId, name: orgId } as OrgAccessRow['org'],
    membership: { org_id: orgId, user_id: userId, role: 'member', state: 'active', pending_since: null, reinstate_until: null, last_reminded_at: null, rejoin_mailed_at: null, created_at: new Date(0) },
    hasFactor: true,
    hasPhishingResistantFactor: false,
  };
}

function listeningCache(options: { nowMs?: () => number } = {}): AccessCache {
  const cache = new AccessCache(options);
  cache.resume();
  return cache;
}

/** Counts the loads, so a test can tell a cache hit from a database read. */
function loader<T>(value: T): { load: () => Promise<T>; loads: () => number } {
  let loads = 0;
  return { load: async () => ((loads += 1), value), loads: () => loads };
}

describe('what is served', () => {
  it('a second read is a hit; each kind of notification ends what it names', async () => {
    const cache = listeningCache();
    const token = loader(credential('usr_a'));
    const facts = loader(accessRow('org_a', 'usr_a'));
    await cache.credential('hash_a', token.load);
    await cache.credential('hash_a', token.load);
    await cache.access('org-a', 'usr_a', facts.load);
    await cache.access('org-a', 'usr_a', facts.load);
    expect([token.loads(), facts.loads()]).toEqual([1, 1]);

    cache.apply('t:hash_a');
    await cache.credential('hash_a', token.load);
    expect(token.loads()).toBe(2);

    cache.apply('o:org_a');
    await cache.access('org-a', 'usr_a', facts.load);
    expect(facts.loads()).toBe(2);

    cache.apply('u:usr_a');
    await cache.credential('hash_a', token.load);
    await cache.access('org-a', 'usr_a', facts.load);
    expect([token.loads(), facts.loads()]).toEqual([3, 3]);
  });

  it('a notification about someone else leaves an entry alone; an unknown payload drops everything', async () => {
    const cache = listeningCache();
    const token = loader(credential('usr_b'));
    await cache.credential('hash_b', token.load);
    cache.apply('t:hash_other');
    cache.apply('u:usr_other');
    cache.apply('o:org_other');
    cache.apply('hb');
    await cache.credential('hash_b', token.load);
    expect(token.loads()).toBe(1);
    cache.apply('x:from-a-newer-version');
    await cache.credential('hash_b', token.load);
    expect(token.loads()).toBe(2);
  });

  it('entries live at most the TTL', async () => {
    let now = 0;
    const cache = listeningCache({ nowMs: () => now });
    const token = loader(credential('usr_c'));
    await cache.credential('hash_c', token.load);
    now = 4999;
    await cache.credential('hash_c', token.load);
    expect(token.loads()).toBe(1);
    now = 5000;
    await cache.credential('hash_c', token.load);
    expect(token.loads()).toBe(2);
  });

  it('unknown tokens and organizations are not kept', async () => {
    const cache = listeningCache();
    const missing = loader<ResolvedCredential | undefined>(undefined);
    await cache.credential('hash_x', missing.load);
    await cache.credential('hash_x', missing.load);
    expect(missing.loads()).toBe(2);
  });
});

describe('never outliving a change', () => {
  it('a read that a notification overtook is not stored (it may hold the revoked row)', async () => {
    const cache = listeningCache();
    let release!: () => void;
    const slowLoad = () => new Promise<ResolvedCredential>((resolve) => (release = () => resolve(credential('usr_d'))));
    const reading = cache.credential('hash_d', slowLoad);
    // The revocation commits and is notified while the read is still on its way back.
    cache.apply('t:hash_d');
    release();
    await reading;
    const next = loader(credential('usr_d'));
    await cache.credential('hash_d', next.load);
    expect(next.loads()).toBe(1);
  });

  it('requests that miss together share one read, but none joins a read older than a notification', async () => {
    const cache = listeningCache();
    const releases: (() => void)[] = [];
    let loads = 0;
    const slowLoad = () =>
      new Promise<ResolvedCredential>((resolve) => {
        loads += 1;
        releases.push(() => resolve(credential('usr_h')));
      });
    const first = cache.credential('hash_h', slowLoad);
    const second = cache.credential('hash_h', slowLoad);
    expect(loads).toBe(1);
    cache.apply('t:hash_h');
    const third = cache.credential('hash_h', slowLoad);
    expect(loads).toBe(2);
    for (const release of releases) release();
    await Promise.all([first, second, third]);
  });

  it('a suspended cache serves and keeps nothing; resuming starts empty', async () => {
    const cache = listeningCache();
    const token = loader(credential('usr_e'));
    await cache.credential('hash_e', token.load);
    cache.suspend();
    expect(cache.listening).toBe(false);
    await cache.credential('hash_e', token.load);
    await cache.credential('hash_e', token.load);
    expect(token.loads()).toBe(3);
    cache.resume();
    await cache.credential('hash_e', token.load);
    expect(token.loads()).toBe(4);
  });

  it('a cache that never started listening reads the database every time', async () => {
    const cache = new AccessCache();
    const token = loader(credential('usr_f'));
    await cache.credential('hash_f', token.load);
    await cache.credential('hash_f', token.load);
    expect(token.loads()).toBe(2);
  });

  it('cached values cannot be changed in place by one request for the next', async () => {
    const cache = listeningCache();
    const value = await cache.credential('hash_g', async () => credential('usr_g'));
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value?.amr)).toBe(true);
  });
});

describe('serving only while caught up (the deadline the PostgreSQL listener moves forward)', () => {
  it('serves until the deadline, checked at every read, then reads the database', async () => {
    let now = 0;
    const cache = new AccessCache({ nowMs: () => now });
    cache.resume(3000);
    const token = loader(credential('usr_i'));
    await cache.credential('hash_i', token.load);
    now = 2999;
    await cache.credential('hash_i', token.load);
    expect([token.loads(), cache.listening]).toEqual([1, true]);
    // No timer needed: a stalled process that wakes up past its deadline serves nothing.
    now = 3000;
    expect(cache.listening).toBe(false);
    await cache.credential('hash_i', token.load);
    await cache.credential('hash_i', token.load);
    expect(token.loads()).toBe(3);
  });

  it('extending in time keeps the entries; extending after the deadline passed starts from empty', async () => {
    let now = 0;
    const cache = new AccessCache({ nowMs: () => now, ttlMs: 60_000 });
    cache.resume(3000);
    const token = loader(credential('usr_j'));
    await cache.credential('hash_j', token.load);
    now = 2000;
    cache.extend(5000);
    now = 4000;
    await cache.credential('hash_j', token.load);
    expect(token.loads()).toBe(1);
    // Lapsed at 5000: changes may have gone unapplied while writers stopped waiting for this instance.
    now = 6000;
    cache.extend(9000);
    await cache.credential('hash_j', token.load);
    expect([token.loads(), cache.listening]).toEqual([2, true]);
  });

  it('a read that outlives the deadline is not stored', async () => {
    let now = 0;
    const cache = new AccessCache({ nowMs: () => now });
    cache.resume(3000);
    let release!: () => void;
    const reading = cache.credential('hash_k', () => new Promise<ResolvedCredential>((resolve) => (release = () => resolve(credential('usr_k')))));
    now = 3500;
    release();
    await reading;
    cache.extend(8000);
    const next = loader(credential('usr_k'));
    await cache.credential('hash_k', next.load);
    expect(next.loads()).toBe(1);
  });

  it('a suspended cache is not revived by extending: only resume starts it', async () => {
    let now = 0;
    const cache = new AccessCache({ nowMs: () => now });
    cache.resume(3000);
    cache.suspend();
    cache.extend(9000);
    expect(cache.listening).toBe(false);
  });
});
