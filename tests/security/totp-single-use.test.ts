/**
 * Threat: a TOTP code seen by an attacker (shoulder surfing, a phishing proxy) is replayed within
 * its 30-second window. Rule: a code is accepted once — the accepted time step is stored with a
 * compare-and-set in the database, so even simultaneous requests cannot both win.
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

async function pendingToken(email: string): Promise<string> {
  return (await call(h, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } })).body.token;
}

it('the same code is refused the second time', async () => {
  const user = await mfaUser(h);
  await h.advance(30);
  const code = totpCode({ secret: user.totpSecret!, now: now(h) });
  const first = await call(h, 'POST', '/v1/sessions/current/mfa', { token: await pendingToken(user.email), body: { type: 'totp', code } });
  expect(first.status).toBe(200);
  const replay = await call(h, 'POST', '/v1/sessions/current/mfa', { token: await pendingToken(user.email), body: { type: 'totp', code } });
  expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);
});

it('an older code from the drift window is refused after a newer one was used', async () => {
  const user = await mfaUser(h);
  await h.advance(60);
  const previous = totpCode({ secret: user.totpSecret!, now: new Date(now(h).getTime() - 30_000) });
  const current = totpCode({ secret: user.totpSecret!, now: now(h) });
  expect((await call(h, 'POST', '/v1/sessions/current/mfa', { token: await pendingToken(user.email), body: { type: 'totp', code: current } })).status).toBe(200);
  const older = await call(h, 'POST', '/v1/sessions/current/mfa', { token: await pendingToken(user.email), body: { type: 'totp', code: previous } });
  expect(older.body.code).toBe('invalid_mfa_code');
});

it('the same code raced by ten concurrent requests is accepted exactly once', async () => {
  const user = await mfaUser(h);
  await h.advance(30);
  const code = totpCode({ secret: user.totpSecret!, now: now(h) });
  // Sign-ins one after another (simultaneous sign-ins to one account are throttled as guesses);
  // the race under test is the MFA step.
  const tokens: string[] = [];
  for (let index = 0; index < 10; index += 1) tokens.push(await pendingToken(user.email));
  const results = await Promise.all(tokens.map((token) => call(h, 'POST', '/v1/sessions/current/mfa', { token, body: { type: 'totp', code } })));
  expect(results.filter((result) => result.status === 200)).toHaveLength(1);
  // The losers fail; once five have failed, the attempt limit answers the rest with 429.
  const losers = results.filter((result) => result.status !== 200).map((result) => result.body.code);
  expect(losers).toHaveLength(9);
  for (const code of losers) expect(['invalid_mfa_code', 'too_many_attempts']).toContain(code);
});
