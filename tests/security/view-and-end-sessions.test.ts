/**
 * Threat: a session the user does not know about (a password typed on a shared computer, a
 * stolen cookie) lives on unseen. Rule (ASVS 5.0 7.5.2): users see their live sessions —
 * including ones waiting for the MFA step, which mean someone has the password — and end any or
 * all of them after authenticating again (a stolen session cannot sign its owner out everywhere).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, PASSWORD, signInWithMfa, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const alive = async (token: string): Promise<boolean> => (await call(h, 'GET', '/v1/sessions/current', { token })).status === 200;

it('lists live sessions newest first, marks the current one and shows pending ones; ended and other users’ are not listed', async () => {
  const user = await mfaUser(h);
  const stranger = await signUp(h);
  const other = await signInWithMfa(h, user);
  const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token;
  const ended = await signInWithMfa(h, user);
  await call(h, 'DELETE', '/v1/sessions/current', { token: ended.token });
  const listed = await call(h, 'GET', '/v1/me/sessions', { token: other.token });
  expect(listed.status).toBe(200);
  const sessions = listed.body.sessions as Array<{ id: string; current: boolean; mfa_pending: boolean; aal: number }>;
  expect(sessions).toHaveLength(3);
  expect(sessions.filter((session) => session.current)).toHaveLength(1);
  expect(sessions.filter((session) => session.mfa_pending)).toEqual([expect.objectContaining({ aal: 1 })]);
  expect(JSON.stringify(listed.body)).not.toContain(pending);
  expect(JSON.stringify(listed.body)).not.toContain('token');
  const strangers = await call(h, 'GET', '/v1/me/sessions', { token: stranger.token });
  expect(strangers.body.sessions).toHaveLength(1);
});

it('ends another session after a recent sign-in; that token stops working at once', async () => {
  const user = await mfaUser(h);
  const other = await signInWithMfa(h, user);
  const sessions = (await call(h, 'GET', '/v1/me/sessions', { token: user.token })).body.sessions as Array<{ id: string; current: boolean }>;
  const target = sessions.find((session) => !session.current)!;
  const ended = await call(h, 'DELETE', `/v1/me/sessions/${target.id}`, { token: user.token });
  expect(ended.status).toBe(204);
  expect(await alive(other.token)).toBe(false);
  expect(await alive(user.token)).toBe(true);
  const again = await call(h, 'DELETE', `/v1/me/sessions/${target.id}`, { token: user.token });
  expect([again.status, again.body.code]).toEqual([404, 'not_found']);
});

it('ending another session or all others needs a recent sign-in (403 reauthentication_required); nothing ends', async () => {
  const user = await signUp(h);
  const other = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token;
  await h.advance(16 * 60);
  // Keep both alive past the idle limit check (each is used now).
  expect(await alive(user.token)).toBe(true);
  expect(await alive(other)).toBe(true);
  const sessions = (await call(h, 'GET', '/v1/me/sessions', { token: user.token })).body.sessions as Array<{ id: string; current: boolean }>;
  const target = sessions.find((session) => !session.current)!;
  const one = await call(h, 'DELETE', `/v1/me/sessions/${target.id}`, { token: user.token });
  expect([one.status, one.body.code]).toEqual([403, 'reauthentication_required']);
  const all = await call(h, 'DELETE', '/v1/me/sessions', { token: user.token });
  expect([all.status, all.body.code]).toEqual([403, 'reauthentication_required']);
  expect(await alive(other)).toBe(true);
  // The current session may always end itself: that is signing out.
  const self = sessions.find((session) => session.current)!;
  expect((await call(h, 'DELETE', `/v1/me/sessions/${self.id}`, { token: user.token })).status).toBe(204);
  expect(await alive(user.token)).toBe(false);
});

it('DELETE /v1/me/sessions ends every session but the current one', async () => {
  const user = await signUp(h);
  const others = await Promise.all([1, 2, 3].map(async () => (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string));
  expect((await call(h, 'DELETE', '/v1/me/sessions', { token: user.token })).status).toBe(204);
  for (const token of others) expect(await alive(token)).toBe(false);
  expect(await alive(user.token)).toBe(true);
  expect((await call(h, 'GET', '/v1/me/sessions', { token: user.token })).body.sessions).toHaveLength(1);
});

it('another user’s session id is not found, and a personal access token cannot manage sessions', async () => {
  const owner = await signUp(h);
  const intruder = await signUp(h);
  const ownerSession = (await call(h, 'GET', '/v1/me/sessions', { token: owner.token })).body.sessions[0].id as string;
  const refused = await call(h, 'DELETE', `/v1/me/sessions/${ownerSession}`, { token: intruder.token });
  expect([refused.status, refused.body.code]).toEqual([404, 'not_found']);
  expect(await alive(owner.token)).toBe(true);
  const pat = (await call(h, 'POST', '/v1/me/tokens', { token: owner.token, body: { name: 'ci' } })).body.token as string;
  expect((await call(h, 'GET', '/v1/me/sessions', { token: pat })).body.code).toBe('reauthentication_required');
  expect((await call(h, 'DELETE', '/v1/me/sessions', { token: pat })).body.code).toBe('reauthentication_required');
  expect(await alive(owner.token)).toBe(true);
});
