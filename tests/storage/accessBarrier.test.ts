import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type pg from 'pg';
import { AccessBarrier } from '../../src/db/accessBarrier.ts';
import { BARRIER_BOUND_MS } from '../../src/db/accessTimings.ts';

/**
 * The barrier's own logic against a stand-in for the pg pool (end to end on PostgreSQL:
 * tests/concurrency/access-cache-two-instances.test.ts): which request a notification is charged
 * to, how writes share a round, and that nothing — not even a database that never answers — holds
 * a write past its bound.
 */
type Answer = { rows: unknown[] } | 'hang';

function fakePool(answers: (text: string) => Answer) {
  const statements: string[] = [];
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  let nextClient = 0;
  const pool = {
    statements,
    connect(callback?: (error: Error | undefined, client: unknown, done: () => void) => void) {
      const client = {
        id: (nextClient += 1),
        query: (text: string) => {
          statements.push(text.includes('nextval') ? 'round' : 'poll');
          const answer = answers(text);
          return answer === 'hang' ? new Promise(() => {}) : Promise.resolve(answer);
        },
        release: () => {
          for (const listener of listeners.get('release') ?? []) listener(undefined, client);
        },
      };
      if (callback) {
        callback(undefined, client, () => client.release());
        return undefined;
      }
      return Promise.resolve(client);
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return pool;
    },
  };
  return pool;
}

const asPool = (pool: ReturnType<typeof fakePool>) => pool as unknown as pg.Pool;
const nobodyElse = () => ({ rows: [{ seq: null, ids: null, evicted: 0 }] });

describe('which request changed access facts', () => {
  it('a notification is charged to the scope that checked the connection out, and to nobody once it is back', async () => {
    const pool = fakePool(nobodyElse);
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me' });
    barrier.trackPool();
    const writer = barrier.newScope();
    const reader = barrier.newScope();
    const held = await barrier.enter(writer, () => asPool(pool).connect());
    await barrier.enter(reader, () => asPool(pool).connect());
    barrier.raisedOn(held);
    expect([writer.raised, reader.raised]).toEqual([true, false]);

    const viaCallback = barrier.newScope();
    await new Promise<void>((resolve) => barrier.enter(viaCallback, () => asPool(pool).connect((_error, client) => {
      barrier.raisedOn(client!);
      resolve();
    })));
    expect(viaCallback.raised).toBe(true);

    const later = barrier.newScope();
    const released = await barrier.enter(later, () => asPool(pool).connect());
    released.release();
    barrier.raisedOn(released);
    expect(later.raised).toBe(false);
    expect(barrier.stats.unattributed).toBe(1);
  });

  it('a job run in `around` settles before it returns, only if it changed something', async () => {
    const pool = fakePool(nobodyElse);
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me' });
    barrier.trackPool();
    await barrier.around(async () => asPool(pool).connect());
    expect(barrier.stats.rounds).toBe(0);
    await barrier.around(async () => barrier.raisedOn(await asPool(pool).connect()));
    expect(barrier.stats.rounds).toBe(1);
  });
});

describe('rounds', () => {
  it('alone on the database: one statement, nothing to wait for', async () => {
    const pool = fakePool(nobodyElse);
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me' });
    expect(await barrier.settle()).toBe('acknowledged');
    expect(pool.statements).toEqual(['round']);
    expect(barrier.stats).toMatchObject({ rounds: 1, waited: 0 });
  });

  it('writes settling together share one round; one settling after its statement went out gets a new one', async () => {
    const pool = fakePool(nobodyElse);
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me' });
    const first = [barrier.settle(), barrier.settle(), barrier.settle()];
    expect(first[0]).toBe(first[2]);
    await new Promise((resolve) => setImmediate(resolve));
    // The first round's statement has been sent: a commit returning now may postdate its marker.
    const second = barrier.settle();
    expect(second).not.toBe(first[0]);
    await Promise.all([...first, second]);
    expect(pool.statements).toEqual(['round', 'round']);
  });

  it('waits for the other instances’ acknowledgements (its own are not theirs)', async () => {
    const pool = fakePool((text) =>
      text.includes('nextval') ? { rows: [{ seq: 7, ids: ['b', 'c'], evicted: 0 }] } : { rows: [{ evicted: 0, rows: [{ id: 'b', applied_seq: 1 }, { id: 'c', applied_seq: 1 }] }] },
    );
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me' });
    let done = false;
    const settling = barrier.settle().then((outcome) => ((done = true), outcome));
    await vi.waitFor(() => expect(pool.statements).toContain('round'));
    barrier.acknowledged('b', 7);
    barrier.acknowledged('me', 9);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    barrier.acknowledged('c', 8);
    expect(await settling).toBe('acknowledged');
  });
});

describe('nothing holds a write past its bound', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('an instance that never acknowledges, and polls that find it alive', async () => {
    const pool = fakePool((text) => (text.includes('nextval') ? { rows: [{ seq: 3, ids: ['b'], evicted: 0 }] } : { rows: [{ evicted: 0, rows: [{ id: 'b', applied_seq: 2 }] }] }));
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me', nowMs: () => Date.now() });
    const settling = barrier.settle();
    await vi.advanceTimersByTimeAsync(BARRIER_BOUND_MS - 100);
    expect(pool.statements.filter((kind) => kind === 'poll').length).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(await settling).toBe('bound');
    expect(barrier.stats).toMatchObject({ waited: 1, bounded: 1 });
  });

  it('a database that never answers the round', async () => {
    const pool = fakePool(() => 'hang');
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me', nowMs: () => Date.now() });
    const settling = barrier.settle();
    await vi.advanceTimersByTimeAsync(BARRIER_BOUND_MS + 100);
    expect(await settling).toBe('bound');
    expect(barrier.stats).toMatchObject({ failed: 1, bounded: 1 });
  });

  it('a database that stops answering the polls', async () => {
    const pool = fakePool((text) => (text.includes('nextval') ? { rows: [{ seq: 3, ids: ['b'], evicted: 0 }] } : 'hang'));
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me', nowMs: () => Date.now() });
    const settling = barrier.settle();
    await vi.advanceTimersByTimeAsync(BARRIER_BOUND_MS + 100);
    expect(await settling).toBe('bound');
  });

  it('the table says the instance is gone (closed, or evicted with its lease lapsed): no more waiting', async () => {
    const pool = fakePool((text) => (text.includes('nextval') ? { rows: [{ seq: 3, ids: ['b'], evicted: 0 }] } : { rows: [{ evicted: 1, rows: [] }] }));
    const barrier = new AccessBarrier(asPool(pool), { instanceId: 'me', nowMs: () => Date.now() });
    const settling = barrier.settle();
    await vi.advanceTimersByTimeAsync(100);
    expect(await settling).toBe('acknowledged');
    expect(barrier.stats).toMatchObject({ evicted: 1, bounded: 0 });
  });
});
