import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, freshCode, mfaUser, now, PASSWORD, signInWithMfa, signUp } from '../helpers/flows.ts';
import { flushMail } from '../helpers/orgFlows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('TOTP enrollment', () => {
  it('returns a 160-bit base32 secret and an otpauth URI; the factor is inactive until confirmed', async () => {
    const user = await signUp(h);
    const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token, body: { name: 'Phone' } });
    expect(started.status).toBe(201);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]{32}.*algorithm=SHA1.*digits=6.*period=30/);
    const before = await call(h, 'GET', '/v1/me/mfa', { token: user.token });
    expect(before.body).toMatchObject({ enabled: false, factors: [], recovery_codes_remaining: 0 });
  });

  it('confirming rotates the session to aal 2 and returns 10 recovery codes once', async () => {
    const user = await signUp(h);
    const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token });
    const confirmed = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, {
      token: user.token,
      body: { code: totpCode({ secret: started.body.secret, now: now(h) }) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.session).toMatchObject({ aal: 2, mfa_pending: false });
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);
    expect(confirmed.body.token).not.toBe(user.token);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: user.token })).body.code).toBe('unauthenticated');
    const status = await call(h, 'GET', '/v1/me/mfa', { token: confirmed.body.token });
    expect(status.body.enabled).toBe(true);
    expect(status.body.recovery_codes_remaining).toBe(10);
    expect(status.body.factors).toEqual([expect.objectContaining({ id: started.body.factor_id, type: 'totp' })]);
  });

  it('401 invalid_mfa_code for a wrong code; the enrollment stays open', async () => {
    const user = await signUp(h);
    const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token });
    const wrong = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, { token: user.token, body: { code: '000000' } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_mfa_code']);
    const right = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, {
      token: user.token,
      body: { code: totpCode({ secret: started.body.secret, now: now(h) }) },
    });
    expect(right.status).toBe(200);
  });

  it('a second factor needs a recent sign-in (403 reauthentication_required)', async () => {
    const user = await mfaUser(h);
    await h.advance(16 * 60);
    const late = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token });
    expect([late.status, late.body.code]).toEqual([403, 'reauthentication_required']);
    const fresh = await signInWithMfa(h, user);
    expect((await call(h, 'POST', '/v1/me/mfa/totp', { token: fresh.token })).status).toBe(201);
  });
});

describe('MFA step', () => {
  it('accepts TOTP, rotates the token, reaches aal 2 with amr otp', async () => {
    const user = await mfaUser(h);
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
    expect(step.status).toBe(200);
    expect(step.body.session).toMatchObject({ aal: 2, mfa_pending: false });
    const current = await call(h, 'GET', '/v1/sessions/current', { token: step.body.token });
    expect(current.body.session.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    expect((await call(h, 'GET', '/v1/sessions/current', { token: pending.body.token })).body.code).toBe('unauthenticated');
  });

  it('a failed attempt leaves the pending session usable', async () => {
    const user = await mfaUser(h);
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    const wrong = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: '999999' } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_mfa_code']);
    const right = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
    expect(right.status).toBe(200);
  });

  it('recovery codes work once each and are counted down', async () => {
    const user = await mfaUser(h);
    const [first] = user.recoveryCodes!;
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    const used = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'recovery_code', code: first!.toUpperCase() } });
    expect(used.status).toBe(200);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: used.body.token })).body.recovery_codes_remaining).toBe(9);
    const again = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    const reused = await call(h, 'POST', '/v1/sessions/current/mfa', { token: again.body.token, body: { type: 'recovery_code', code: first } });
    expect([reused.status, reused.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('regenerating recovery codes replaces the whole set (aal 2 needed)', async () => {
    const user = await mfaUser(h);
    const regenerated = await call(h, 'POST', '/v1/me/mfa/recovery-codes', { token: user.token });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.recovery_codes).toHaveLength(10);
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    const old = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'recovery_code', code: user.recoveryCodes![0] } });
    expect(old.body.code).toBe('invalid_mfa_code');
    const plain = await signUp(h);
    const refused = await call(h, 'POST', '/v1/me/mfa/recovery-codes', { token: plain.token });
    expect([refused.status, refused.body.code]).toEqual([403, 'mfa_step_up_required']);
  });
});

describe('deleting factors', () => {
  it('deletes a factor after a recent sign-in and ends the other sessions', async () => {
    const user = await mfaUser(h);
    const other = await signInWithMfa(h, user);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: user.token });
    const removed = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: user.token });
    expect(removed.status).toBe(204);
    const after = await call(h, 'GET', '/v1/me/mfa', { token: user.token });
    expect(after.body).toMatchObject({ enabled: false, factors: [], recovery_codes_remaining: 0 });
    expect((await call(h, 'GET', '/v1/sessions/current', { token: other.token })).body.code).toBe('unauthenticated');
    await flushMail(h); // the outbox delivers after the commit, on its own schedule
    const subjects = h.mail.filter((mail) => mail.to === user.email).map((mail) => mail.subject);
    expect(subjects.some((subject) => /removed/.test(subject))).toBe(true);
  });

  it('403 reauthentication_required when the sign-in is old; 404 for an unknown factor', async () => {
    const user = await mfaUser(h);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: user.token });
    await h.advance(20 * 60);
    const late = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: user.token });
    expect([late.status, late.body.code]).toEqual([403, 'reauthentication_required']);
    const unknown = await call(h, 'DELETE', '/v1/me/mfa/factors/fac_nope', { token: user.token });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
  });

  it('enrolling a second authenticator keeps both', async () => {
    const user = await mfaUser(h);
    const fresh = await signInWithMfa(h, user);
    const second = await enrollTotp(h, fresh);
    const status = await call(h, 'GET', '/v1/me/mfa', { token: second.token });
    expect(status.body.factors).toHaveLength(2);
    expect(second.recoveryCodes).toBeUndefined();
  });
});
