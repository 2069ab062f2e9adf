import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from '../../src/crypto/concurrencyLimit.ts';

/** A task that runs until the test ends it. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open = (): void => {};
  let fail = (_error: Error): void => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('concurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in arrival order', async () => {
    const limit = concurrencyLimit(2);
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const results = gates.map((g, index) =>
      limit.run(async () => {
        started.push(index);
        await g.promise;
        return index;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect([limit.active, limit.waiting]).toEqual([2, 3]);
    gates[1]?.open();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect([limit.active, limit.waiting]).toEqual([2, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect([limit.active, limit.waiting]).toEqual([0, 0]);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = concurrencyLimit(1);
    const first = gate();
    const failing = limit.run(() => first.promise);
    const next = limit.run(async () => 'ran');
    await settle();
    expect(limit.waiting).toBe(1);
    const error = new Error('task failed');
    first.fail(error);
    await expect(failing).rejects.toBe(error);
    expect(await next).toBe('ran');
    expect(limit.active).toBe(0);
  });

  it('refuses a limit below one', () => {
    expect(() => concurrencyLimit(0)).toThrow();
    expect(() => concurrencyLimit(1.5)).toThrow();
  });
});
