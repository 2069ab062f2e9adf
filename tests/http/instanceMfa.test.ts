/**
 * GATEHOUSE_REQUIRE_MFA=on through the HTTP API: a credential that did not verify MFA can sign
 * in, read its session, enroll a factor and sign out — nothing else — and says so with the access
 * decision's codes (`mfa_enrollment_required`, `mfa_step_up_required`) and `required_by: "instance"`.
 * Once a factor is proven, everything works. (Every channel into organizations:
 * tests/security/instance-mfa-required.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, freshCode, mfaUser, now, PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { ALWAYS_OPEN, sweepRestricted } from '../helpers/restrictedRoutes.ts';

/** What a credential without MFA may call besides ALWAYS_OPEN: look at its factors and enroll one. */
const ENROLLMENT = ['GET /v1/me/mfa', 'POST /v1/me/mfa/totp', 'POST /v1/me/mfa/totp/{factor_id}/confirm', 'POST /v1/me/mfa/webauthn/options', 'POST /v1/me/mfa/webauthn'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_REQUIRE_MFA: 'on' } });
});
afterAll(async () => {
  await h?.close();
});

describe('GATEHOUSE_REQUIRE_MFA=on: a user without a factor', () => {
  it('can sign up and sign in; the session says it may only enroll a factor', async () => {
    const user = await signUp(h);
    const signIn = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    expect(signIn.status).toBe(201);
    expect(signIn.body.session).toMatchObject({ aal: 1, mfa_pending: false, restriction: { code: 'mfa_enrollment_required' } });
    const current = await call(h, 'GET', '/v1/sessions/current', { token: signIn.body.token });
    expect(current.status).toBe(200);
    expect(current.body.session.restriction).toEqual({ code: 'mfa_enrollment_required' });
  });

  it('gets 403 mfa_enrollment_required (required_by: instance) from every other operation, by bearer token', async () => {
    const user = await signUp(h);
    const sweep = await sweepRestricted(h, { token: user.token, via: 'bearer' }, { code: 'mfa_enrollment_required', extra: { required_by: 'instance' } }, [...ALWAYS_OPEN, ...ENROLLMENT]);
    expect(sweep.unknownOpen).toEqual([]);
    expect(sweep.answeredOtherwise).toEqual([]);
    expect(sweep.refused.length).toBeGreaterThan(30);
    expect(sweep.refused).toEqual(expect.arrayContaining(['GET /v1/orgs', 'POST /v1/orgs', 'POST /v1/me/tokens', 'PUT /v1/me/password', 'GET /v1/me/sessions']));
  });

  it('and from every other operation through the console cookie', async () => {
    const user = await signUp(h);
    const sweep = await sweepRestricted(h, { token: user.token, via: 'cookie' }, { code: 'mfa_enrollment_required' }, [...ALWAYS_OPEN, ...ENROLLMENT]);
    expect(sweep.answeredOtherwise).toEqual([]);
    expect(sweep.refused.length).toBeGreaterThan(30);
  });

  it('can look at its factors, enroll an authenticator app, and then do everything', async () => {
    const user = await signUp(h);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: user.token })).body).toMatchObject({ enabled: false, factors: [] });
    const enrolled = await enrollTotp(h, user);
    const current = await call(h, 'GET', '/v1/sessions/current', { token: enrolled.token });
    expect(current.body.session).toMatchObject({ aal: 2, restriction: null });
    expect((await call(h, 'GET', '/v1/orgs', { token: enrolled.token })).status).toBe(200);
    expect((await call(h, 'POST', '/v1/orgs', { token: enrolled.token, body: { slug: `mfa-${Date.now().toString(36)}`, name: 'Enrolled' } })).status).toBe(201);
    expect((await call(h, 'POST', '/v1/me/tokens', { token: enrolled.token, body: { name: 'ci' } })).status).toBe(201);
  });

  it('can enroll a passkey too: the options are served to it', async () => {
    const user = await signUp(h);
    const options = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: user.token, body: {} });
    expect(options.status, JSON.stringify(options.body)).toBe(200);
    expect(options.body.challenge).toEqual(expect.any(String));
  });

  it('can sign out', async () => {
    const user = await signUp(h);
    expect((await call(h, 'DELETE', '/v1/sessions/current', { token: user.token })).status).toBe(204);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: user.token })).status).toBe(401);
  });
});

describe('GATEHOUSE_REQUIRE_MFA=on: a user with a factor', () => {
  it('signs in with the MFA step as usual and is not restricted', async () => {
    const user = await mfaUser(h);
    const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    // Described as it will be after the step: nothing left to do then.
    expect(pending.body.session).toMatchObject({ mfa_pending: true, restriction: null });
    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
    expect(step.status).toBe(200);
    expect(step.body.session).toMatchObject({ aal: 2, restriction: null });
    expect((await call(h, 'GET', '/v1/orgs', { token: step.body.token })).status).toBe(200);
  });

  it('an aal-1 session left from before the enrollment gets 403 mfa_step_up_required', async () => {
    const user = await signUp(h);
    const elsewhere = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
    await enrollTotp(h, user);
    const refused = await call(h, 'GET', '/v1/orgs', { token: elsewhere });
    expect([refused.status, refused.body.code, refused.body.required_by]).toEqual([403, 'mfa_step_up_required', 'instance']);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: elsewhere })).body.session.restriction).toEqual({ code: 'mfa_step_up_required' });
    // Adding another factor from it needs the step-up too: the enrollment routes do not bypass factor rules.
    const another = await call(h, 'POST', '/v1/me/mfa/totp', { token: elsewhere, body: {} });
    expect([another.status, another.body.code]).toEqual([403, 'mfa_step_up_required']);
  });

  it('deleting the last factor leaves the session only enough to enroll again', async () => {
    const user = await mfaUser(h);
    const factors = (await call(h, 'GET', '/v1/me/mfa', { token: user.token })).body.factors as { id: string }[];
    const deleted = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors[0]!.id}`, { token: user.token, body: {} });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    const refused = await call(h, 'GET', '/v1/orgs', { token: user.token });
    expect([refused.status, refused.body.code]).toEqual([403, 'mfa_enrollment_required']);
    const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token, body: {} });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const confirmed = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, {
      token: user.token,
      body: { code: totpCode({ secret: started.body.secret, now: now(h) }) },
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect((await call(h, 'GET', '/v1/orgs', { token: confirmed.body.token })).status).toBe(200);
  });
});

describe('GATEHOUSE_REQUIRE_MFA off (the default)', () => {
  it('a user without a factor is not restricted outside organizations', async () => {
    const plain = await startHarness();
    try {
      const user = await signUp(plain);
      expect((await call(plain, 'GET', '/v1/sessions/current', { token: user.token })).body.session.restriction).toBeNull();
      expect((await call(plain, 'GET', '/v1/orgs', { token: user.token })).status).toBe(200);
      expect((await call(plain, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } })).status).toBe(201);
    } finally {
      await plain.close();
    }
  });
});
