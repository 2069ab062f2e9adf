/**
 * Threat: session fixation and riding on an old token. An attacker who planted or saw a token
 * before the user authenticated (or stepped up) must not end up holding the authenticated
 * session. Rule (ASVS 5.0 7.2.4): every authentication — the password, the MFA step, proving a
 * new factor, signing in again on a browser — issues a new token and ends the one it replaces.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, freshCode, mfaUser, PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const current = (token: string) => call(h, 'GET', '/v1/sessions/current', { token });

/** The console's sign-in: cookies instead of a bearer token. */
async function consoleSignIn(email: string, cookie?: string): Promise<{ session: string; csrf: string }> {
  const response = await h.gatehouse.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'x-gatehouse-console': '1', ...(cookie ? { cookie: `gatehouse_session=${cookie}` } : {}) },
    payload: { email, password: PASSWORD },
  });
  expect(response.statusCode).toBe(201);
  const cookies = Object.fromEntries(response.cookies.map((item) => [item.name, item.value]));
  return { session: cookies.gatehouse_session!, csrf: cookies.gatehouse_csrf! };
}

it('the MFA step replaces the pending token: the old one stops working, even for another try', async () => {
  const user = await mfaUser(h);
  const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token;
  const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
  expect(step.status).toBe(200);
  expect(step.body.token).not.toBe(pending);
  expect((await current(pending)).body.code).toBe('unauthenticated');
  const again = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
  expect(again.body.code).toBe('unauthenticated');
  expect((await current(step.body.token)).body.session).toMatchObject({ aal: 2, mfa_pending: false });
});

it('proving a new factor (a step up to aal 2) replaces the token and keeps the absolute expiry', async () => {
  const user = await signUp(h);
  const before = (await current(user.token)).body.session;
  await h.advance(60);
  const stepped = await enrollTotp(h, user);
  expect(stepped.token).not.toBe(user.token);
  expect((await current(user.token)).body.code).toBe('unauthenticated');
  const after = (await current(stepped.token)).body.session;
  expect(after.aal).toBe(2);
  // Stepping up does not extend the 24-hour lifetime of the sign-in.
  expect(after.expires_at).toBe(before.expires_at);
});

it('each password sign-in issues a new token, never one the client sent', async () => {
  const user = await signUp(h);
  const first = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD }, headers: { authorization: `Bearer ${user.token}` } });
  expect(first.status).toBe(201);
  expect(first.body.token).not.toBe(user.token);
});

it('signing in again in the console ends the session the browser held', async () => {
  const user = await signUp(h);
  const old = await consoleSignIn(user.email);
  expect((await current(old.session)).status).toBe(200);
  const renewed = await consoleSignIn(user.email, old.session);
  expect(renewed.session).not.toBe(old.session);
  expect((await current(old.session)).body.code).toBe('unauthenticated');
  expect((await current(renewed.session)).status).toBe(200);
});

it('a console sign-in with an unknown or foreign cookie still succeeds (and ends only that cookie’s session)', async () => {
  const victim = await signUp(h);
  const other = await signUp(h);
  const otherCookie = await consoleSignIn(other.email);
  // The same browser, now used by the victim: the other user's session on it ends too.
  const signedIn = await consoleSignIn(victim.email, otherCookie.session);
  expect((await current(signedIn.session)).status).toBe(200);
  expect((await current(otherCookie.session)).body.code).toBe('unauthenticated');
  expect((await current(other.token)).status).toBe(200);
  await consoleSignIn(victim.email, 'gses_not-a-real-token');
});
