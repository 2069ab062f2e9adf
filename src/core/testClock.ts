import type { Clock } from './clock.ts';

/**
 * Like Stripe's test clocks: wall time plus every advance so far. Only the composition root
 * creates one, and only when GATEHOUSE_TEST_CLOCK=1 outside production.
 */
export class TestClock implements Clock {
  readonly #base: Clock;
  #offsetMs = 0;

  constructor(base: Clock) {
    this.#base = base;
  }

  now(): Date {
    return new Date(this.#base.now().getTime() + this.#offsetMs);
  }

  advance(seconds: number): Date {
    this.#offsetMs += seconds * 1000;
    return this.now();
  }
}
