/**
 * Passkeys (WebAuthn) as a second factor, through HTTP with a software authenticator: the
 * registration and the MFA step run the server's real verification. The security rules each
 * test protects: challenges are the server's, single use and short lived; a response counts only
 * from our origin, for our RP ID, signed by one of the caller's own passkeys; a counter that goes
 * backwards (a cloned authenticator) is refused; adding a factor needs a recent sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, PASSWORD, signUp, type TestUser } from '../helpers/flows.ts';
import { flushMail } from '../helpers/orgFlows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { HARNESS_RP_ID, SoftAuthenticator } from '../helpers/softAuthenticator.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function registrationOptions(token: string): Promise<{ challenge: string; excludeCredentials: { id: string }[] }> {
  const options = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token });
  if (options.status !== 200) throw new Error(`options failed: ${options.status} ${JSON.stringify(options.body)}`);
  return options.body;
}

/** Registers a passkey and returns the user with the rotated aal-2 token. */
async function addPasskey(user: TestUser, authenticator: SoftAuthenticator): Promise<TestUser> {
  const options = await registrationOptions(user.token);
  const added = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: authenticator.register(options) } });
  if (added.status !== 201) throw new Error(`register failed: ${added.status} ${JSON.stringify(added.body)}`);
  return { ...user, token: added.body.token, recoveryCodes: added.body.recovery_codes ?? user.recoveryCodes };
}

async function passkeyUser(authenticator = new SoftAuthenticator()): Promise<TestUser> {
  return addPasskey(await signUp(h), authenticator);
}

async function pendingSession(user: TestUser): Promise<string> {
  const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  expect(pending.body.session).toMatchObject({ mfa_pending: true, aal: 1 });
  return pending.body.token;
}

async function authenticationOptions(pendingToken: string): Promise<{ challenge: string; rpId: string; allowCredentials: { id: string }[] }> {
  const options = await call(h, 'POST', '/v1/sessions/current/mfa/webauthn/options', { token: pendingToken });
  if (options.status !== 200) throw new Error(`options failed: ${options.status} ${JSON.stringify(options.body)}`);
  return options.body;
}

function mfaStep(pendingToken: string, response: unknown) {
  return call(h, 'POST', '/v1/sessions/current/mfa', { token: pendingToken, body: { type: 'webauthn', response } });
}

describe('POST /v1/me/mfa/webauthn/options', () => {
  it('answers creation options for this relying party and user, with the server-side defaults', async () => {
    const user = await signUp(h);
    const options = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: user.token });
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({
      rp: { id: HARNESS_RP_ID, name: 'Gatehouse' },
      user: { id: Buffer.from(user.id).toString('base64url'), name: user.email },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      excludeCredentials: [],
    });
    expect(Buffer.from(options.body.challenge, 'base64url').length).toBe(32);
    expect(options.body.pubKeyCredParams).toEqual(expect.arrayContaining([{ alg: -7, type: 'public-key' }]));
  });

  it('rejects a body (400 invalid_request) and needs a session, not a personal access token', async () => {
    const user = await signUp(h);
    const withBody = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: user.token, body: { name: 'x' } });
    expect([withBody.status, withBody.body.code]).toEqual([400, 'invalid_request']);
    const pat = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } });
    const viaPat = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: pat.body.token });
    expect([viaPat.status, viaPat.body.code]).toEqual([403, 'reauthentication_required']);
    expect((await call(h, 'POST', '/v1/me/mfa/webauthn/options')).status).toBe(401);
  });
});

describe('POST /v1/me/mfa/webauthn', () => {
  it('registers a first passkey: 201, phishing resistant, an aal-2 token, recovery codes once, listed as webauthn', async () => {
    const user = await signUp(h);
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions(user.token);
    await flushMail(h);
    const mailBefore = h.mail.length;
    const added = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: authenticator.register(options), name: 'Laptop' } });
    expect(added.status).toBe(201);
    expect(added.body.factor).toMatchObject({ type: 'webauthn', name: 'Laptop', phishing_resistant: true });
    expect(added.body.session).toMatchObject({ aal: 2, mfa_pending: false, amr: ['pwd', 'hwk', 'mfa'] });
    expect(added.body.recovery_codes).toHaveLength(10);
    expect(added.body.token).not.toBe(user.token);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: user.token })).body.code).toBe('unauthenticated');

    const status = await call(h, 'GET', '/v1/me/mfa', { token: added.body.token });
    expect(status.body).toMatchObject({ enabled: true, recovery_codes_remaining: 10 });
    expect(status.body.factors).toEqual([expect.objectContaining({ id: added.body.factor.id, type: 'webauthn', name: 'Laptop' })]);
    await flushMail(h); // the outbox delivers after the commit, on its own schedule
    expect(h.mail.slice(mailBefore).map((mail) => mail.to)).toContain(user.email);
  });

  it('a passkey added next to another factor brings no new recovery codes', async () => {
    const user = await mfaUser(h);
    const options = await registrationOptions(user.token);
    const added = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(options) } });
    expect(added.status).toBe(201);
    expect(added.body.recovery_codes).toBeUndefined();
    expect(added.body.factor.name).toBe('Passkey');
    const status = await call(h, 'GET', '/v1/me/mfa', { token: added.body.token });
    expect(status.body.factors.map((factor: { type: string }) => factor.type)).toEqual(['totp', 'webauthn']);
  });

  it('excludeCredentials lists the passkeys already registered', async () => {
    const first = new SoftAuthenticator();
    const user = await passkeyUser(first);
    const options = await registrationOptions(user.token);
    expect(options.excludeCredentials.map((credential) => credential.id)).toEqual([first.credentialId]);
    const second = new SoftAuthenticator();
    const withTwo = await addPasskey(user, second);
    const again = await registrationOptions(withTwo.token);
    expect(again.excludeCredentials.map((credential) => credential.id)).toEqual([first.credentialId, second.credentialId]);
  });

  it('a second passkey needs a recent sign-in (403 reauthentication_required), at options time and at registration', async () => {
    const user = await passkeyUser();
    const options = await registrationOptions(user.token);
    await h.advance(16 * 60);
    const late = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(options) } });
    expect([late.status, late.body.code]).toEqual([403, 'reauthentication_required']);
    const lateOptions = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: user.token });
    expect([lateOptions.status, lateOptions.body.code]).toEqual([403, 'reauthentication_required']);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: user.token })).body.factors).toHaveLength(1);
  });

  it('a session of a user with a factor that did not prove it gets 403 mfa_step_up_required', async () => {
    const user = await signUp(h);
    // A second sign-in before MFA existed: an aal-1 session that stays aal 1.
    const older = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
    await addPasskey(user, new SoftAuthenticator());
    const refused = await call(h, 'POST', '/v1/me/mfa/webauthn/options', { token: older.body.token });
    expect([refused.status, refused.body.code]).toEqual([403, 'mfa_step_up_required']);
  });

  it('a response is accepted once: replaying it answers 401 invalid_mfa_code', async () => {
    const user = await signUp(h);
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions(user.token);
    const response = authenticator.register(options);
    const added = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response } });
    expect(added.status).toBe(201);
    const replay = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: added.body.token, body: { response } });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it.each([
    ['another origin', { origin: 'http://evil.test' }],
    ['another RP ID', { rpId: 'evil.test' }],
    ['a challenge the server never issued', { challenge: Buffer.alloc(32, 7).toString('base64url') }],
  ])('a response from %s is refused (401 invalid_mfa_code) and nothing is stored', async (_label, overrides) => {
    const user = await signUp(h);
    const options = await registrationOptions(user.token);
    const refused = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(options, overrides) } });
    expect([refused.status, refused.body.code]).toEqual([401, 'invalid_mfa_code']);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: user.token })).body).toMatchObject({ enabled: false, factors: [] });
  });

  it('a failed response burns its challenge: a good one for the same options is refused after it', async () => {
    const user = await signUp(h);
    const options = await registrationOptions(user.token);
    const authenticator = new SoftAuthenticator();
    const forged = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: authenticator.register(options, { origin: 'http://evil.test' }) } });
    expect(forged.status).toBe(401);
    const late = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: authenticator.register(options) } });
    expect([late.status, late.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('an expired challenge (after 5 minutes) is refused', async () => {
    const user = await signUp(h);
    const options = await registrationOptions(user.token);
    await h.advance(301);
    const late = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(options) } });
    expect([late.status, late.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('new options supersede earlier ones: only the latest challenge is accepted', async () => {
    const user = await signUp(h);
    const first = await registrationOptions(user.token);
    const second = await registrationOptions(user.token);
    const stale = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(first) } });
    expect([stale.status, stale.body.code]).toEqual([401, 'invalid_mfa_code']);
    const latest = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: new SoftAuthenticator().register(second) } });
    expect(latest.status).toBe(201);
  });

  it('a credential already registered (here by another user) is refused with 400 invalid_request', async () => {
    const shared = new SoftAuthenticator();
    await passkeyUser(shared);
    const other = await signUp(h);
    const options = await registrationOptions(other.token);
    const duplicate = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: other.token, body: { response: shared.register(options) } });
    expect([duplicate.status, duplicate.body.code]).toEqual([400, 'invalid_request']);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: other.token })).body.enabled).toBe(false);
  });

  it('validates the body: response is required, unknown fields are rejected', async () => {
    const user = await signUp(h);
    const missing = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { name: 'Laptop' } });
    expect([missing.status, missing.body.code]).toEqual([400, 'invalid_request']);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'response' })]);
    const unknown = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: {}, extra: true } });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'invalid_request']);
    const garbage = await call(h, 'POST', '/v1/me/mfa/webauthn', { token: user.token, body: { response: { id: 'x', response: { clientDataJSON: 'not json' } } } });
    expect([garbage.status, garbage.body.code]).toEqual([401, 'invalid_mfa_code']);
  });
});

describe('MFA step with a passkey', () => {
  it('sign-in → pending → options → assertion → 200 aal 2 with amr hwk; the pending token stops working', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await passkeyUser(authenticator);
    const pending = await pendingSession(user);
    const options = await authenticationOptions(pending);
    expect(options.rpId).toBe(HARNESS_RP_ID);
    expect(options.allowCredentials.map((credential) => credential.id)).toEqual([authenticator.credentialId]);
    const step = await mfaStep(pending, authenticator.assert(options));
    expect(step.status).toBe(200);
    expect(step.body.session).toMatchObject({ aal: 2, mfa_pending: false });
    const current = await call(h, 'GET', '/v1/sessions/current', { token: step.body.token });
    expect(current.body.session.amr).toEqual(expect.arrayContaining(['pwd', 'hwk', 'mfa']));
    expect((await call(h, 'GET', '/v1/sessions/current', { token: pending })).body.code).toBe('unauthenticated');
    const status = await call(h, 'GET', '/v1/me/mfa', { token: step.body.token });
    expect(status.body.factors[0].last_used_at).not.toBeNull();
  });

  it('the same assertion is accepted once (replay → 401 invalid_mfa_code)', async () => {
    // A counter that stays 0, so only the challenge's single use can stop the replay.
    const authenticator = new SoftAuthenticator({ synced: true });
    const user = await passkeyUser(authenticator);
    const pending = await pendingSession(user);
    const assertion = authenticator.assert(await authenticationOptions(pending));
    expect((await mfaStep(pending, assertion)).status).toBe(200);
    const replay = await mfaStep(await pendingSession(user), assertion);
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('an expired challenge (after 5 minutes) is refused; the pending session stays usable', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await passkeyUser(authenticator);
    const pending = await pendingSession(user);
    const options = await authenticationOptions(pending);
    await h.advance(301);
    const late = await mfaStep(pending, authenticator.assert(options));
    expect([late.status, late.body.code]).toEqual([401, 'invalid_mfa_code']);
    const retry = await mfaStep(pending, authenticator.assert(await authenticationOptions(pending)));
    expect(retry.status).toBe(200);
  });

  it('an assertion made on another origin (a phishing page) is refused', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await passkeyUser(authenticator);
    const pending = await pendingSession(user);
    const phished = await mfaStep(pending, authenticator.assert(await authenticationOptions(pending), { origin: 'http://gatehouse.test.evil.test' }));
    expect([phished.status, phished.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it("another user's passkey is refused, even when it signs this user's challenge", async () => {
    const mine = new SoftAuthenticator();
    const user = await passkeyUser(mine);
    const theirs = new SoftAuthenticator();
    await passkeyUser(theirs);
    const pending = await pendingSession(user);
    const foreign = await mfaStep(pending, theirs.assert(await authenticationOptions(pending)));
    expect([foreign.status, foreign.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('an unknown credential is refused', async () => {
    const user = await passkeyUser();
    const pending = await pendingSession(user);
    const unknown = await mfaStep(pending, new SoftAuthenticator().assert(await authenticationOptions(pending)));
    expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_mfa_code']);
  });

  it('a sign counter that does not grow (a cloned authenticator) is refused', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await passkeyUser(authenticator);
    let pending = await pendingSession(user);
    expect((await mfaStep(pending, authenticator.assert(await authenticationOptions(pending), { signCount: 5 }))).status).toBe(200);
    for (const signCount of [3, 5]) {
      pending = await pendingSession(user);
      const cloned = await mfaStep(pending, authenticator.assert(await authenticationOptions(pending), { signCount }));
      expect([cloned.status, cloned.body.code]).toEqual([401, 'invalid_mfa_code']);
    }
    pending = await pendingSession(user);
    expect((await mfaStep(pending, authenticator.assert(await authenticationOptions(pending), { signCount: 6 }))).status).toBe(200);
  });

  it('a passkey whose counter stays 0 (synced passkeys) signs in again and again', async () => {
    const authenticator = new SoftAuthenticator({ synced: true });
    const user = await passkeyUser(authenticator);
    for (let round = 0; round < 2; round += 1) {
      const pending = await pendingSession(user);
      expect((await mfaStep(pending, authenticator.assert(await authenticationOptions(pending)))).status).toBe(200);
    }
  });

  it('new options supersede earlier ones; a registration challenge does not answer the MFA step', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await passkeyUser(authenticator);
    const registration = await registrationOptions(user.token);
    const pending = await pendingSession(user);
    const first = await authenticationOptions(pending);
    const second = await authenticationOptions(pending);
    const crossPurpose = await mfaStep(pending, authenticator.assert(first, { challenge: registration.challenge }));
    expect([crossPurpose.status, crossPurpose.body.code]).toEqual([401, 'invalid_mfa_code']);
    const stale = await mfaStep(pending, authenticator.assert(first));
    expect([stale.status, stale.body.code]).toEqual([401, 'invalid_mfa_code']);
    expect((await mfaStep(pending, authenticator.assert(second))).status).toBe(200);
  });

  it('options on a session that is not pending → 409 mfa_not_pending', async () => {
    const user = await passkeyUser();
    const full = await call(h, 'POST', '/v1/sessions/current/mfa/webauthn/options', { token: user.token });
    expect([full.status, full.body.code]).toEqual([409, 'mfa_not_pending']);
  });

  it('options for an account without a passkey → 404 not_found', async () => {
    const user = await mfaUser(h);
    const pending = await pendingSession(user);
    const none = await call(h, 'POST', '/v1/sessions/current/mfa/webauthn/options', { token: pending });
    expect([none.status, none.body.code]).toEqual([404, 'not_found']);
  });
});
