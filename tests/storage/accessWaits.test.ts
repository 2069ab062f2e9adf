import { describe, expect, it } from 'vitest';
import { parseAccessPayload } from '../../src/db/accessPayload.ts';
import { BARRIER_BOUND_MS, CAUGHT_UP_LIMIT_MS, HEARTBEAT_MS, LEASE_MS, LISTENER_STATEMENT_TIMEOUT_MS } from '../../src/db/accessTimings.ts';
import { AccessWaits, type WaitOutcome } from '../../src/db/accessWaits.ts';

/**
 * The pure parts of the barrier that makes the access cache strict across instances
 * (src/db/accessBarrier.ts): who a write is still waiting for, what the channel's payloads mean,
 * and the relations between its clocks that the safety argument rests on (src/db/accessTimings.ts).
 */
function outcome(promise: Promise<WaitOutcome>): { current: WaitOutcome | 'waiting' } {
  const state: { current: WaitOutcome | 'waiting' } = { current: 'waiting' };
  void promise.then((value) => (state.current = value));
  return state;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('who a write still waits for', () => {
  it('ends when every instance has acknowledged the sequence point or a later one', async () => {
    const waits = new AccessWaits();
    const wait = outcome(waits.add(10, ['b', 'c'], 1000));
    waits.acknowledged('b', 10);
    waits.acknowledged('c', 9);
    await settled();
    expect([wait.current, waits.pendingInstances()]).toEqual(['waiting', ['c']]);
    waits.acknowledged('c', 12);
    await settled();
    expect([wait.current, waits.waiting]).toEqual(['acknowledged', false]);
  });

  it('an acknowledgement heard before the wait began counts (it may arrive before the marker’s own answer)', async () => {
    const waits = new AccessWaits();
    waits.acknowledged('b', 20);
    expect(await waits.add(20, ['b'], 1000)).toBe('acknowledged');
  });

  it('the table: an acknowledgement written there counts, and an instance without a row any more is not waited for', async () => {
    const waits = new AccessWaits();
    const wait = outcome(waits.add(5, ['b', 'c', 'd'], 1000));
    waits.polled(['b', 'c', 'd'], [{ id: 'b', applied_seq: 5 }, { id: 'c', applied_seq: 4 }]);
    await settled();
    expect([wait.current, waits.pendingInstances()]).toEqual(['waiting', ['c']]);
    waits.polled(['c'], []);
    await settled();
    expect(wait.current).toBe('acknowledged');
  });

  it('the bound ends a wait that nobody answers; each wait has its own', async () => {
    const waits = new AccessWaits();
    const first = outcome(waits.add(1, ['b'], 1000));
    const second = outcome(waits.add(2, ['b'], 2000));
    waits.tick(999);
    await settled();
    expect([first.current, second.current]).toEqual(['waiting', 'waiting']);
    waits.tick(1000);
    await settled();
    expect([first.current, second.current]).toEqual(['bound', 'waiting']);
    waits.acknowledged('b', 2);
    await settled();
    expect(second.current).toBe('acknowledged');
  });

  it('an instance that left and came back is waited for afresh: what it acknowledged before does not count', async () => {
    const waits = new AccessWaits();
    waits.acknowledged('b', 30);
    waits.polled(['b'], []);
    const wait = outcome(waits.add(25, ['b'], 1000));
    await settled();
    expect(wait.current).toBe('waiting');
  });
});

describe('payloads on the channel', () => {
  it.each([
    ['t:abc', { kind: 'change' }],
    ['u:usr_1', { kind: 'change' }],
    ['o:org_1', { kind: 'change' }],
    ['hb', { kind: 'heartbeat' }],
    ['s:42', { kind: 'sequence', seq: 42 }],
    ['a:0123abcd:42', { kind: 'ack', instanceId: '0123abcd', seq: 42 }],
    // Anything malformed is a change, which drops the whole cache: always safe.
    ['s:', { kind: 'change' }],
    ['s:-1', { kind: 'change' }],
    ['s:01', { kind: 'change' }],
    ['a:42', { kind: 'change' }],
    ['a::42', { kind: 'change' }],
    ['x:from-a-newer-version', { kind: 'change' }],
  ] as const)('%s', (payload, expected) => {
    expect(parseAccessPayload(payload)).toEqual(expected);
  });
});

describe('the clocks agree (src/db/accessTimings.ts)', () => {
  it('a healthy instance proves itself caught up several times within the limit', () => {
    expect(HEARTBEAT_MS * 2).toBeLessThanOrEqual(CAUGHT_UP_LIMIT_MS);
  });

  it('a serving instance’s lease has time left: a lapsed lease means it stopped serving, with a margin for clocks', () => {
    expect(LEASE_MS - CAUGHT_UP_LIMIT_MS).toBeGreaterThanOrEqual(1000);
  });

  it('a write waits past the caught-up limit, so an instance that never answered serves nothing from before the write — and no longer than a lease', () => {
    expect(BARRIER_BOUND_MS).toBeGreaterThan(CAUGHT_UP_LIMIT_MS);
    expect(BARRIER_BOUND_MS).toBeLessThan(LEASE_MS);
  });

  it('a stuck listening statement gives up no later than the limit, so a new connection can take over', () => {
    expect(LISTENER_STATEMENT_TIMEOUT_MS).toBeLessThanOrEqual(CAUGHT_UP_LIMIT_MS);
  });
});
