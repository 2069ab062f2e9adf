/**
 * Threat: someone who holds a session (a borrowed laptop, a stolen cookie) changes the password
 * and keeps the account, or the real owner changes it after a compromise while the attacker's
 * sessions live on. Rules: the password can be changed (ASVS 5.0 6.2.2) only with the current
 * one (6.2.3), which is a re-authentication whose wrong guesses count like failed sign-ins
 * (6.3.1, NIST SP 800-63B-4 §3.2.2); the new one passes the sign-up rules (6.2.4, 6.2.11) and may
 * be long (6.2.9); every other session ends (7.4.3); the owner is mailed and it is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/crypto/passwordHash.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, PASSWORD, signInWithMfa, signUp, uniqueEmail } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { flushMail } from '../helpers/orgFlows.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const NEW_PASSWORD = 'a brand new and rather long passphrase';
const change = (token: string, body: unknown) => call(h, 'PUT', '/v1/me/password', { token, body });
const login = (email: string, password: string) => call(h, 'POST', '/v1/sessions', { body: { email, password } });
const alive = async (token: string): Promise<boolean> => (await call(h, 'GET', '/v1/sessions/current', { token })).status === 200;

async function passwordHashOf(userId: string): Promise<string | null> {
  return (await h.gatehouse.deps.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow()).password_hash;
}

describe('PUT /v1/me/password', () => {
  it('204: the new password works, the old one does not, other sessions end, this one stays; audited and mailed', async () => {
    const user = await signUp(h);
    const other = (await login(user.email, PASSWORD)).body.token;
    const changed = await change(user.token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(changed.status).toBe(204);
    expect(await alive(user.token)).toBe(true);
    expect(await alive(other)).toBe(false);
    expect((await login(user.email, PASSWORD)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(201);
    const events = await h.gatehouse.deps.db.selectFrom('audit_events').select(['action', 'actor_id', 'data']).where('target_id', '=', user.id).execute();
    expect(events.map((event) => event.action)).toContain('user.password_change');
    expect(JSON.stringify(events)).not.toContain(NEW_PASSWORD);
    await flushMail(h);
    const mail = h.mail.filter((message) => message.to === user.email && /password was changed/.test(message.subject));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text).not.toContain(NEW_PASSWORD);
  });

  it('401 invalid_credentials for a wrong current password; nothing changes and the failure is counted', async () => {
    const user = await signUp(h);
    const other = (await login(user.email, PASSWORD)).body.token;
    const before = await passwordHashOf(user.id);
    const wrong = await change(user.token, { current_password: 'not my password at all', new_password: NEW_PASSWORD });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    expect(await passwordHashOf(user.id)).toBe(before);
    expect(await alive(other)).toBe(true);
    const row = await h.gatehouse.deps.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.failed_attempts).toBe(1);
  });

  it('guessing the current password is throttled like sign-in: 429 too_many_attempts with Retry-After after five failures', async () => {
    const user = await signUp(h);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await change(user.token, { current_password: `guess number ${attempt}`, new_password: NEW_PASSWORD })).body.code).toBe('invalid_credentials');
    }
    const throttled = await change(user.token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect([throttled.status, throttled.body.code]).toEqual([429, 'too_many_attempts']);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(await verifyPassword((await passwordHashOf(user.id))!, PASSWORD)).toBe(true);
  });

  it.each([
    ['too short', 'short1'],
    ['commonly used', 'password123'],
    ['the service name', 'Gatehouse2025'],
  ])('400 weak_password for a new password that is %s; the old one stays', async (_label, weak) => {
    const user = await signUp(h);
    const refused = await change(user.token, { current_password: PASSWORD, new_password: weak });
    expect([refused.status, refused.body.code]).toEqual([400, 'weak_password']);
    expect((await login(user.email, PASSWORD)).status).toBe(201);
  });

  it('accepts a 200-character password and verifies it exactly as typed (no trimming, no case folding)', async () => {
    const user = await signUp(h);
    const long = ` ${'Long Passphrase '.repeat(12)}ünïcødé ✓ `.slice(0, 200);
    expect((await change(user.token, { current_password: PASSWORD, new_password: long })).status).toBe(204);
    expect((await login(user.email, long)).status).toBe(201);
    expect((await login(user.email, long.trim())).status).toBe(401);
    expect((await login(user.email, long.toLowerCase())).status).toBe(401);
  });

  it('a personal access token cannot change the password (403 reauthentication_required)', async () => {
    const user = await signUp(h);
    const pat = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } });
    const refused = await change(pat.body.token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect([refused.status, refused.body.code]).toEqual([403, 'reauthentication_required']);
    expect((await login(user.email, PASSWORD)).status).toBe(201);
  });

  it('a user with MFA: a session waiting for its MFA step cannot change it; a verified one can, and ends the others', async () => {
    const user = await mfaUser(h);
    const pending = (await login(user.email, PASSWORD)).body.token;
    const refused = await change(pending, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect([refused.status, refused.body.code]).toEqual([401, 'mfa_verification_required']);
    const other = await signInWithMfa(h, user);
    expect((await change(user.token, { current_password: PASSWORD, new_password: NEW_PASSWORD })).status).toBe(204);
    expect(await alive(other.token)).toBe(false);
    expect(await alive(pending)).toBe(false);
  });

  it('403 mfa_step_up_required from a password-only session of a user who has since enabled MFA', async () => {
    const user = await signUp(h);
    const older = (await login(user.email, PASSWORD)).body.token;
    await enrollTotp(h, user);
    const refused = await change(older, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect([refused.status, refused.body.code]).toEqual([403, 'mfa_step_up_required']);
    expect(await verifyPassword((await passwordHashOf(user.id))!, PASSWORD)).toBe(true);
  });

  it('personal access tokens keep working after a password change (documented in docs/decisions.md)', async () => {
    const user = await signUp(h);
    const pat = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'automation' } });
    expect((await change(user.token, { current_password: PASSWORD, new_password: NEW_PASSWORD })).status).toBe(204);
    expect((await call(h, 'GET', '/v1/orgs', { token: pat.body.token })).status).toBe(200);
  });

  it('400 invalid_request naming missing and unknown fields', async () => {
    const user = await signUp(h, uniqueEmail());
    const bad = await change(user.token, { new_password: NEW_PASSWORD, colour: 'red' });
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_request']);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['colour', 'current_password']);
  });
});
