/**
 * Threat: online guessing of passwords and TOTP codes. Rule (NIST SP 800-63B-4): the first five
 * consecutive failures answer 401 at once, later ones wait a growing delay (429 + Retry-After),
 * and the counter resets only when the user is fully signed in — so knowing the password does
 * not reset the budget for guessing the second factor.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_FAILURES } from '../../src/core/attemptLimit.ts';
import { call } from '../helpers/client.ts';
import { freshCode, mfaUser, PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const login = (email: string, password: string) => call(h, 'POST', '/v1/sessions', { body: { email, password } });

it('password guesses: five free failures, then 429 with a growing Retry-After', async () => {
  const user = await signUp(h);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    expect((await login(user.email, `wrong ${attempt} guess`)).body.code).toBe('invalid_credentials');
  }
  const throttled = await login(user.email, PASSWORD);
  expect([throttled.status, throttled.body.code]).toEqual([429, 'too_many_attempts']);
  expect(Number(throttled.headers['retry-after'])).toBe(1);
  await h.advance(1);
  expect((await login(user.email, 'wrong again guess')).status).toBe(401);
  const second = await login(user.email, PASSWORD);
  expect(Number(second.headers['retry-after'])).toBe(2);
  await h.advance(2);
  expect((await login(user.email, PASSWORD)).status).toBe(201);
  // A success resets the count: the next typo is free again.
  expect((await login(user.email, 'one more typo')).status).toBe(401);
  expect((await login(user.email, PASSWORD)).status).toBe(201);
});

it('the counter is not reset by the password alone while an MFA step is pending', async () => {
  const user = await mfaUser(h);
  for (let round = 0; round < 5; round += 1) {
    const pending = await login(user.email, PASSWORD);
    expect(pending.status).toBe(201);
    const guess = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: '000000' } });
    expect(guess.body.code).toBe('invalid_mfa_code');
  }
  const pending = await login(user.email, PASSWORD);
  expect([pending.status, pending.body.code]).toEqual([429, 'too_many_attempts']);
});

it(`never verifies more than ${MAX_FAILURES} consecutive failures`, async () => {
  const user = await signUp(h);
  // Drive the stored counter to the limit directly: 100 real attempts would need days of delays.
  await h.gatehouse.deps.db.updateTable('users').set({ failed_attempts: MAX_FAILURES, last_failed_at: h.gatehouse.deps.clock.now() }).where('id', '=', user.id).execute();
  await h.advance(30 * 86_400);
  const locked = await login(user.email, PASSWORD);
  expect([locked.status, locked.body.code]).toEqual([429, 'too_many_attempts']);
  expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
});

it('a correct second factor after failures signs in and resets the counter', async () => {
  const user = await mfaUser(h);
  const pending = await login(user.email, PASSWORD);
  await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: '000000' } });
  const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
  expect(step.status).toBe(200);
  const row = await h.gatehouse.deps.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row.failed_attempts).toBe(0);
});
