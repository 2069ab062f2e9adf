import { describe, expect, it } from 'vitest';
import { FREE_FAILURES, LOCKED_RETRY_SECONDS, MAX_DELAY_SECONDS, MAX_FAILURES, retryAfterSeconds } from '../../src/core/attemptLimit.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('retryAfterSeconds (NIST SP 800-63B-4 throttling)', () => {
  it.each([0, 1, FREE_FAILURES - 1])('%i failures: no delay', (failures) => {
    expect(retryAfterSeconds({ failures, lastFailedAt: T0, now: T0 })).toBe(0);
  });

  it.each([
    [FREE_FAILURES, 1],
    [FREE_FAILURES + 1, 2],
    [FREE_FAILURES + 4, 16],
    [FREE_FAILURES + 20, MAX_DELAY_SECONDS],
  ])('%i failures right after the last one: wait %i s', (failures, delay) => {
    expect(retryAfterSeconds({ failures, lastFailedAt: T0, now: T0 })).toBe(delay);
    expect(retryAfterSeconds({ failures, lastFailedAt: T0, now: at(delay - 0.5) })).toBe(1);
    expect(retryAfterSeconds({ failures, lastFailedAt: T0, now: at(delay) })).toBe(0);
  });

  it('accepts no guess at all after the maximum, however long one waits', () => {
    expect(retryAfterSeconds({ failures: MAX_FAILURES, lastFailedAt: T0, now: at(10 * 86_400) })).toBe(LOCKED_RETRY_SECONDS);
    expect(retryAfterSeconds({ failures: MAX_FAILURES - 1, lastFailedAt: T0, now: at(10 * 86_400) })).toBe(0);
  });
});
