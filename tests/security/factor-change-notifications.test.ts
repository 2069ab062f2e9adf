/**
 * Threat: an attacker inside an account quietly adds their own authenticator, replaces the
 * recovery codes, removes a factor or signs in with a stolen recovery code, and the owner never
 * learns of it. Rule (NIST SP 800-63B-4 authenticator binding and account recovery; ASVS 5.0
 * 6.3.7): every change of an authentication factor — authenticator app or passkey added or
 * removed, recovery codes regenerated or used, password changed or removed — mails the owner, in
 * the same transaction as the change (through the outbox), and is audited.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { call } from '../helpers/client.ts';
import { mfaUser, PASSWORD, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { flushMail } from '../helpers/orgFlows.ts';
import { SoftAuthenticator } from '../helpers/softAuthenticator.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Kinds of the mail the user received while `action` ran. */
async function mailDuring(user: TestUser, action: () => Promise<void>): Promise<string[]> {
  await flushMail(h);
  const before = h.mail.length;
  await action();
  await flushMail(h);
  return h.mail.slice(before).filter((mail) => mail.to === user.email).map((mail) => mail.subject);
}

async function actionsOf(userId: string): Promise<string[]> {
  const rows = await h.gatehouse.deps.db.selectFrom('audit_events').select('action').where('target_id', '=', userId).orderBy('seq').execute();
  return rows.map((row) => row.action);
}

it('adding an authenticator app', async () => {
  const user = await signUp(h);
  const subjects = await mailDuring(user, async () => {
    const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token, body: {} });
    const confirmed = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, {
      token: user.token,
      body: { code: totpCode({ secret: started.body.secret, now: h.gatehouse.deps.clock.now() }) },
    });
    expect(confirmed.status).toBe(200);
  });
  expect(subjects).toEqual([expect.stringMatching(/added/)]);
  expect(await actionsOf(user.id)).toContain('mfa.enroll');
});

it('adding a passkey', async () => {
  const user = await signUp(h);
  const subjects = await mailDuring(user, async () => {
    const options = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: user.token });
    const added = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(options.body) } });
    expect(added.status).toBe(201);
  });
  expect(subjects).toEqual([expect.stringMatching(/added/)]);
});

it('removing a factor', async () => {
  const user = await mfaUser(h);
  const factor = (await call(h, 'GET', '/v1/me/mfa', { token: user.token })).body.factors[0];
  const subjects = await mailDuring(user, async () => {
    expect((await call(h, 'DELETE', `/v1/me/mfa/factors/${factor.id}`, { token: user.token })).status).toBe(204);
  });
  expect(subjects).toEqual([expect.stringMatching(/removed/)]);
  expect(await actionsOf(user.id)).toContain('mfa.disable');
});

it('regenerating recovery codes', async () => {
  const user = await mfaUser(h);
  const subjects = await mailDuring(user, async () => {
    expect((await call(h, 'POST', '/v1/me/mfa/recovery-codes', { token: user.token })).status).toBe(200);
  });
  expect(subjects).toEqual([expect.stringMatching(/recovery codes/i)]);
  expect(await actionsOf(user.id)).toContain('mfa.recovery_codes_regenerated');
});

it('signing in with a recovery code (an account recovery): the mail says how many codes are left', async () => {
  const user = await mfaUser(h);
  let text = '';
  const subjects = await mailDuring(user, async () => {
    const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token;
    const used = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'recovery_code', code: user.recoveryCodes![0] } });
    expect(used.status).toBe(200);
    await flushMail(h);
    text = h.mail.filter((mail) => mail.to === user.email).at(-1)!.text;
  });
  expect(subjects).toEqual([expect.stringMatching(/recovery code was used/i)]);
  expect(text).toContain('9 unused recovery codes');
  expect(text).not.toContain(user.recoveryCodes![0]!);
  expect(await actionsOf(user.id)).toContain('mfa.recovery_code_used');
});

it('a failed recovery code sends nothing', async () => {
  const user = await mfaUser(h);
  const subjects = await mailDuring(user, async () => {
    const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token;
    const wrong = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'recovery_code', code: 'aaaa-bbbb-cccc-dddd-eeee-ffff' } });
    expect(wrong.body.code).toBe('invalid_mfa_code');
  });
  expect(subjects).toEqual([]);
});

it('changing the password', async () => {
  const user = await signUp(h);
  const subjects = await mailDuring(user, async () => {
    expect((await call(h, 'PUT', '/v1/me/password', { token: user.token, body: { current_password: PASSWORD, new_password: 'another fine passphrase' } })).status).toBe(204);
  });
  expect(subjects).toEqual([expect.stringMatching(/password was changed/)]);
});
