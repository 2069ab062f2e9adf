/**
 * Threat: the console's session cookie read by script on the page, sent over plain HTTP, scoped
 * to other hosts or paths, or ridden by a cross-site form post. Rules (NIST SP 800-63B-4 §5.1.1
 * browser cookies; ASVS 5.0 3.3 and 7.2): behind HTTPS the session cookie is `__Host-` prefixed,
 * Secure, HttpOnly, SameSite=Lax, Path=/ and expires with the session; every unsafe request made
 * with the cookie must echo the separate CSRF cookie in X-CSRF-Token; signing out clears both.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_PUBLIC_URL: 'https://gatehouse.test' } });
});
afterAll(async () => {
  await h?.close();
});

async function consoleSignIn(email: string) {
  const response = await h.gatehouse.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-gatehouse-console': '1' }, payload: { email, password: PASSWORD } });
  expect(response.statusCode).toBe(201);
  return response;
}

it('sets the session cookie __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, expiring with the session', async () => {
  const user = await signUp(h);
  const response = await consoleSignIn(user.email);
  const session = response.cookies.find((cookie) => cookie.name === '__Host-gatehouse_session')!;
  expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
  expect(session.domain).toBeUndefined();
  // Cookie dates have whole seconds.
  const expiresAt = new Date(JSON.parse(response.body).session.expires_at).getTime();
  expect(Math.abs(new Date(session.expires!).getTime() - expiresAt)).toBeLessThan(1000);
  const csrf = response.cookies.find((cookie) => cookie.name === '__Host-gatehouse_csrf')!;
  expect(csrf).toMatchObject({ secure: true, sameSite: 'Lax', path: '/' });
  expect(csrf.httpOnly).toBeFalsy();
  expect(csrf.value).not.toBe(session.value);
});

it('an unsafe request with the cookie needs the matching X-CSRF-Token (403 forbidden otherwise); safe ones do not', async () => {
  const user = await signUp(h);
  const response = await consoleSignIn(user.email);
  const jar = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie.value]));
  const cookie = `__Host-gatehouse_session=${jar['__Host-gatehouse_session']}; __Host-gatehouse_csrf=${jar['__Host-gatehouse_csrf']}`;
  const body = { slug: `csrf-${Math.random().toString(36).slice(2, 8)}`, name: 'CSRF' };
  const read = await h.gatehouse.app.inject({ method: 'GET', url: '/v1/orgs', headers: { cookie } });
  expect(read.statusCode).toBe(200);
  for (const header of [undefined, 'wrong-value', '']) {
    const refused = await h.gatehouse.app.inject({ method: 'POST', url: '/v1/orgs', headers: { cookie, ...(header !== undefined ? { 'x-csrf-token': header } : {}) }, payload: body });
    expect([refused.statusCode, JSON.parse(refused.body).code]).toEqual([403, 'forbidden']);
  }
  const allowed = await h.gatehouse.app.inject({ method: 'POST', url: '/v1/orgs', headers: { cookie, 'x-csrf-token': jar['__Host-gatehouse_csrf']! }, payload: body });
  expect(allowed.statusCode).toBe(201);
});

it('signing out clears both cookies and ends the session', async () => {
  const user = await signUp(h);
  const response = await consoleSignIn(user.email);
  const jar = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie.value]));
  const cookie = `__Host-gatehouse_session=${jar['__Host-gatehouse_session']}; __Host-gatehouse_csrf=${jar['__Host-gatehouse_csrf']}`;
  const out = await h.gatehouse.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { cookie, 'x-csrf-token': jar['__Host-gatehouse_csrf']! } });
  expect(out.statusCode).toBe(204);
  const cleared = Object.fromEntries(out.cookies.map((item) => [item.name, item]));
  for (const name of ['__Host-gatehouse_session', '__Host-gatehouse_csrf']) {
    expect(cleared[name]?.value).toBe('');
    expect(new Date(cleared[name]!.expires!).getTime()).toBeLessThan(Date.now());
  }
  const after = await h.gatehouse.app.inject({ method: 'GET', url: '/v1/sessions/current', headers: { cookie } });
  expect([after.statusCode, JSON.parse(after.body).code]).toEqual([401, 'unauthenticated']);
});
