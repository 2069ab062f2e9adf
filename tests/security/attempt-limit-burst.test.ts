/**
 * Threat: guesses fired in parallel all pass the throttle's check before any of them is counted
 * (check, then argon2 for ~70 ms, then count), so an account one guess from its next delay — or
 * from the 100-failure lock — gets a whole burst verified. Rule: a guess is counted before it is
 * verified, in one compare-and-set of the stored count (src/app/accounts/throttle.ts claimAttempt).
 * tests/concurrency/rate-limit-two-processes.test.ts checks the same across two server processes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_FAILURES } from '../../src/core/attemptLimit.ts';
import { call } from '../helpers/client.ts';
import { totpCode } from '../../src/core/totp.ts';
import { mfaUser, PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** One guess left before a delay of 2^10 s: longer than any burst takes, however slow the machine. */
async function oneGuessLeft(userId: string, failures = 14): Promise<void> {
  const longAgo = new Date(h.gatehouse.deps.clock.now().getTime() - 86_400_000);
  await h.gatehouse.deps.db.updateTable('users').set({ failed_attempts: failures, last_failed_at: longAgo }).where('id', '=', userId).execute();
}

const statuses = (answers: { status: number }[]): number[] => answers.map((answer) => answer.status).sort();

it('a burst of 12 password guesses with one guess left: one is verified, 11 answer 429', async () => {
  const user = await signUp(h);
  await oneGuessLeft(user.id);
  const answers = await Promise.all(Array.from({ length: 12 }, () => call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: 'a wrong guess here' } })));
  expect(statuses(answers)).toEqual([401, ...Array<number>(11).fill(429)]);
});

it(`at ${MAX_FAILURES - 1} failures a burst gets one guess verified, then the account is locked`, async () => {
  const user = await signUp(h);
  await oneGuessLeft(user.id, MAX_FAILURES - 1);
  const answers = await Promise.all(Array.from({ length: 12 }, () => call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: 'a wrong guess here' } })));
  expect(statuses(answers)).toEqual([401, ...Array<number>(11).fill(429)]);
  const row = await h.gatehouse.deps.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row.failed_attempts).toBe(MAX_FAILURES);
});

it('a burst of 12 TOTP guesses with one guess left: one is verified, 11 answer 429', async () => {
  const user = await mfaUser(h);
  const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  await oneGuessLeft(user.id);
  const answers = await Promise.all(
    Array.from({ length: 12 }, () => call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: 'abcdef' } })),
  );
  expect(statuses(answers)).toEqual([401, ...Array<number>(11).fill(429)]);
});

it('a right password of a user with MFA does not use up a guess: the MFA step right after it is admitted', async () => {
  const user = await mfaUser(h);
  // Five failures: the next guess is admitted 1 s after the last one.
  await oneGuessLeft(user.id, 5);
  const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  expect(pending.status).toBe(201);
  // The next step's code (inside the drift window) without moving the clock: no delay has run out meanwhile.
  const code = totpCode({ secret: user.totpSecret!, now: new Date(h.gatehouse.deps.clock.now().getTime() + 30_000) });
  const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code } });
  expect(step.status).toBe(200);
});
