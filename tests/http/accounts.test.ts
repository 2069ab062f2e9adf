import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, PASSWORD, signUp, uniqueEmail } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('POST /v1/users', () => {
  it('creates a user and lowercases the email', async () => {
    const email = uniqueEmail('Mixed').toUpperCase();
    const response = await call(h, 'POST', '/v1/users', { body: { email, password: PASSWORD, name: 'Ada' } });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email: email.toLowerCase(), name: 'Ada' });
    expect(response.body.user.id).toMatch(/^usr_/);
    expect(JSON.stringify(response.body)).not.toContain('password');
  });

  it('409 email_taken, case-insensitively', async () => {
    const email = uniqueEmail();
    await call(h, 'POST', '/v1/users', { body: { email, password: PASSWORD } });
    const again = await call(h, 'POST', '/v1/users', { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_taken');
  });

  it.each(['short', 'password', '12345678', 'qwerty123'])('400 weak_password for %s', async (password) => {
    const response = await call(h, 'POST', '/v1/users', { body: { email: uniqueEmail(), password } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('weak_password');
  });

  it('400 invalid_request naming each bad field; nothing is created', async () => {
    const email = uniqueEmail();
    const response = await call(h, 'POST', '/v1/users', { body: { email: 'not-an-email', password: 5, colour: 'red' } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('invalid_request');
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['colour', 'email', 'password']);
    const missing = await call(h, 'POST', '/v1/users', { body: {} });
    expect(missing.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['email', 'password']);
    const login = await call(h, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(401);
  });
});

describe('sessions', () => {
  it('signs in without MFA at aal 1 and reads the session', async () => {
    const user = await signUp(h);
    const current = await call(h, 'GET', '/v1/sessions/current', { token: user.token });
    expect(current.status).toBe(200);
    expect(current.body.user).toMatchObject({ id: user.id, email: user.email });
    expect(current.body.session).toMatchObject({ aal: 1, amr: ['pwd'], mfa_pending: false });
    expect(user.token).toMatch(/^gses_/);
  });

  it('401 invalid_credentials for a wrong password and for an unknown email alike', async () => {
    const user = await signUp(h);
    const wrong = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: 'wrong password here' } });
    const unknown = await call(h, 'POST', '/v1/sessions', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_credentials']);
  });

  it('a user with MFA gets a pending aal-1 session that only reaches the MFA step', async () => {
    const user = await mfaUser(h);
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    expect(pending.status).toBe(201);
    expect(pending.body.session).toMatchObject({ aal: 1, mfa_pending: true });
    const token = pending.body.token;
    expect((await call(h, 'GET', '/v1/sessions/current', { token })).status).toBe(200);
    for (const [method, url] of [
      ['GET', '/v1/me/mfa'],
      ['GET', '/v1/orgs'],
      ['POST', '/v1/orgs'],
      ['GET', '/v1/me/tokens'],
    ] as const) {
      const response = await call(h, method, url, { token, body: method === 'POST' ? { slug: 'zz-pending', name: 'x' } : undefined });
      expect([url, response.status, response.body.code]).toEqual([url, 401, 'mfa_verification_required']);
    }
    expect((await call(h, 'DELETE', '/v1/sessions/current', { token })).status).toBe(204);
    expect((await call(h, 'GET', '/v1/sessions/current', { token })).body.code).toBe('unauthenticated');
  });

  it('409 mfa_not_pending for the MFA step on a full session', async () => {
    const user = await mfaUser(h);
    const response = await call(h, 'POST', '/v1/sessions/current/mfa', { token: user.token, body: { type: 'totp', code: '123456' } });
    expect([response.status, response.body.code]).toEqual([409, 'mfa_not_pending']);
  });

  it('DELETE /v1/sessions/current signs out', async () => {
    const user = await signUp(h);
    expect((await call(h, 'DELETE', '/v1/sessions/current', { token: user.token })).status).toBe(204);
    const after = await call(h, 'GET', '/v1/sessions/current', { token: user.token });
    expect([after.status, after.body.code]).toEqual([401, 'unauthenticated']);
  });

  it.each([
    ['missing', undefined],
    ['malformed header', 'Basic abc'],
    ['unknown token', 'Bearer gses_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['foreign token', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('401 unauthenticated: %s', async (_label, header) => {
    const response = await h.gatehouse.app.inject({ method: 'GET', url: '/v1/me/mfa', headers: header ? { authorization: header } : {} });
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).code).toBe('unauthenticated');
  });

  it('sessions end after 1 h idle and after 24 h in any case', async () => {
    const idle = await signUp(h);
    const busy = await signUp(h);
    // t = 3000 s: both alive; the busy one is seen.
    await h.advance(3000);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: busy.token })).status).toBe(200);
    // t = 4000 s: the idle one has been unused for over an hour.
    await h.advance(1000);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: idle.token })).body.code).toBe('unauthenticated');
    expect((await call(h, 'GET', '/v1/sessions/current', { token: busy.token })).status).toBe(200);
    // Used every 50 minutes, the busy one lives until its absolute 24 h limit (86,400 s).
    for (let t = 4000; t + 3000 < 86_400; t += 3000) {
      await h.advance(3000);
      expect((await call(h, 'GET', '/v1/sessions/current', { token: busy.token })).status).toBe(200);
    }
    await h.advance(3000);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: busy.token })).body.code).toBe('unauthenticated');
  });
});

describe('DELETE /v1/me/password', () => {
  it('409 last_login_method when the password is the only way in', async () => {
    const user = await signUp(h);
    const response = await call(h, 'DELETE', '/v1/me/password', { token: user.token });
    expect([response.status, response.body.code]).toEqual([409, 'last_login_method']);
    expect((await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).status).toBe(201);
  });
});
