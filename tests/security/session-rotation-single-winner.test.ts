/**
 * Threat: one pending session (password proven, MFA step outstanding) is turned into two full
 * sessions by two simultaneous MFA steps with two different valid codes — e.g. a token thief who
 * races the owner, and whose session then survives the owner's sign-out of "this" session.
 * Rule: a pending session becomes a full one once; the revocation of the pending session, the
 * reset of the failure count and the new session are one statement (rotatePendingSession), and
 * the request that loses the race is told its code is not valid.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { call } from '../helpers/client.ts';
import { mfaUser, now, PASSWORD } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function liveSessions(userId: string): Promise<{ mfa_pending: boolean }[]> {
  const db = h.gatehouse.deps.db;
  return db.selectFrom('sessions').select('mfa_pending').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

it('two different valid second factors raced on one pending session: exactly one full session', async () => {
  for (let round = 0; round < 5; round += 1) {
    const user = await mfaUser(h);
    await h.advance(30);
    const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
    const [recoveryA, recoveryB] = user.recoveryCodes!;
    const steps = [
      { type: 'totp', code: totpCode({ secret: user.totpSecret!, now: now(h) }) },
      { type: 'recovery_code', code: recoveryA },
      { type: 'recovery_code', code: recoveryB },
    ];
    const answers = await Promise.all(steps.map((body) => call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer.status !== 200)) {
      // The losers either found the pending session already rotated (401 for its token) or lost inside the step.
      expect(['invalid_mfa_code', 'unauthenticated', 'mfa_verification_required']).toContain(answer.body.code);
    }
    // No pending session survives, whoever won.
    const winner = answers.find((answer) => answer.status === 200)!;
    const sessions = await liveSessions(user.id);
    expect(sessions.filter((session) => session.mfa_pending)).toHaveLength(0);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: winner.body.token })).status).toBe(200);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: pending })).status).toBe(401);
  }
});

it('the winning MFA step resets the failure count; a losing one leaves it counted', async () => {
  const user = await mfaUser(h);
  await h.advance(30);
  const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
  expect((await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'totp', code: '000000' } })).body.code).toBe('invalid_mfa_code');
  const failures = async (): Promise<number> =>
    (await h.gatehouse.deps.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow()).failed_attempts;
  expect(await failures()).toBeGreaterThan(0);
  const done = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'totp', code: totpCode({ secret: user.totpSecret!, now: now(h) }) } });
  expect(done.status).toBe(200);
  expect(await failures()).toBe(0);
});
