/**
 * Threat: a user's password is known to someone else — reported by an operator (a breach, a
 * phishing victim), or found on the blocklist at sign-in (it grew since the password was set) —
 * and the account keeps working with it: whoever holds it keeps their sessions, tokens and
 * certificates, and nothing makes the owner choose a new one.
 * Rule (NIST SP 800-63B-4 §3.1.1.2: force a change on evidence of compromise): the evidence ends
 * every session, personal access token and SSH certificate at once, is audited and mailed; every
 * later credential resting on the password can only change it (`PUT /v1/me/password`, which lifts
 * the mark) or sign out — anything else answers 403 `password_change_required` with the `reason`.
 * A second factor does not lift it; a single sign-on session does not rest on the password.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markPasswordCompromised } from '../../src/app/accounts/markPasswordCompromised.ts';
import { addSeconds } from '../../src/core/clock.ts';
import { hashToken, newToken } from '../../src/core/tokens.ts';
import { hashPassword } from '../../src/crypto/passwordHash.ts';
import { repos } from '../../src/db/repos.ts';
import { call } from '../helpers/client.ts';
import { freshCode, mfaUser, now, PASSWORD, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg, flushMail } from '../helpers/orgFlows.ts';
import { ALWAYS_OPEN, sweepRestricted } from '../helpers/restrictedRoutes.ts';

const HOST_TOKEN = randomBytes(32).toString('hex');
const NEW_PASSWORD = 'a fresh and uncommon passphrase';
/** On the blocklist (src/core/commonPasswords.ts), as if it had been set before the list had it. */
const BLOCKLISTED = 'sunshine1';

let h: Harness;
let dir: string;
let publicKey: string;

beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN } });
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-compromise-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', join(dir, 'id')]);
  publicKey = readFileSync(join(dir, 'id.pub'), 'utf8');
});
afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const works = async (token: string): Promise<boolean> => (await call(h, 'GET', '/v1/orgs', { token })).status === 200;

async function auditEvents(userId: string, action: string) {
  return h.gatehouse.deps.db.selectFrom('audit_events').select(['actor_id', 'data']).where('target_id', '=', userId).where('action', '=', action).orderBy('seq').execute();
}

async function mailsTo(email: string, subject: string) {
  await flushMail(h);
  return h.mail.filter((mail) => mail.to === email && mail.subject === subject);
}

/** A user holding two sessions, a personal access token and an SSH certificate (all used once, so cached). */
async function userHoldingEverything(): Promise<TestUser & { second: string; pat: string; serial: string }> {
  const user = await signUp(h);
  const second = (await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })).body.token as string;
  const pat = (await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } })).body.token as string;
  const slug = await createOrg(h, user);
  const issued = await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: user.token, body: { public_key: publicKey } });
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  const { serial } = await h.gatehouse.deps.db.selectFrom('ssh_certificates').select('serial').where('user_id', '=', user.id).executeTakeFirstOrThrow();
  for (const token of [user.token, second, pat]) expect(await works(token)).toBe(true);
  return { ...user, second, pat, serial };
}

function passwordSignIn(email: string, password = PASSWORD) {
  return call(h, 'POST', '/v1/sessions', { body: { email, password } });
}

describe('an operator reports a password compromised', () => {
  it('every session, token and SSH certificate ends at once; audited as the operator; the user is mailed', async () => {
    const user = await userHoldingEverything();
    const marked = await markPasswordCompromised(h.gatehouse.deps, user.email.toUpperCase());
    expect(marked).toEqual({ outcome: 'marked', email: user.email, sessions: 2, tokens: 1, sshCertificates: 1 });

    for (const token of [user.token, user.second, user.pat]) expect(await works(token)).toBe(false);
    const authorized = await call(h, 'POST', '/v1/ssh/authorize', { token: HOST_TOKEN, body: { serial: user.serial } });
    expect(authorized.body).toEqual({ principals: [], reason: 'revoked' });
    expect(await auditEvents(user.id, 'user.password_compromised')).toEqual([
      { actor_id: null, data: { reason: 'operator', sessions: 2, tokens: 1, ssh_certificates: 1 } },
    ]);
    const [mail] = await mailsTo(user.email, 'Change your Gatehouse password');
    expect(mail?.text).toContain('http://gatehouse.test/account/password');
    expect(mail?.text).toMatch(/administrator/);
  });

  it('the next password sign-in can only change the password or sign out: 403 password_change_required everywhere else', async () => {
    const user = await signUp(h);
    await markPasswordCompromised(h.gatehouse.deps, user.email);
    const signIn = await passwordSignIn(user.email);
    expect(signIn.status).toBe(201);
    expect(signIn.body.session).toMatchObject({ aal: 1, restriction: { code: 'password_change_required', reason: 'operator' } });
    const current = await call(h, 'GET', '/v1/sessions/current', { token: signIn.body.token });
    expect(current.body.session.restriction).toEqual({ code: 'password_change_required', reason: 'operator' });

    const sweep = await sweepRestricted(h, { token: signIn.body.token, via: 'bearer' }, { code: 'password_change_required', extra: { reason: 'operator' } }, [...ALWAYS_OPEN, 'PUT /v1/me/password']);
    expect(sweep.unknownOpen).toEqual([]);
    expect(sweep.answeredOtherwise).toEqual([]);
    // Enrolling a factor is refused too: a credential resting on a compromised password must not bind one.
    expect(sweep.refused).toEqual(expect.arrayContaining(['GET /v1/orgs', 'POST /v1/me/mfa/totp', 'POST /v1/me/tokens', 'DELETE /v1/me/password']));
    const viaCookie = await sweepRestricted(h, { token: signIn.body.token, via: 'cookie' }, { code: 'password_change_required' }, [...ALWAYS_OPEN, 'PUT /v1/me/password']);
    expect(viaCookie.answeredOtherwise).toEqual([]);

    expect((await call(h, 'DELETE', '/v1/sessions/current', { token: signIn.body.token })).status).toBe(204);
  });

  it('changing the password lifts the restriction: the same session carries on, the old password is gone, the new one signs in freely', async () => {
    const user = await signUp(h);
    await markPasswordCompromised(h.gatehouse.deps, user.email);
    const token = (await passwordSignIn(user.email)).body.token as string;

    const same = await call(h, 'PUT', '/v1/me/password', { token, body: { current_password: PASSWORD, new_password: PASSWORD } });
    expect([same.status, same.body.code]).toEqual([400, 'weak_password']);
    const wrong = await call(h, 'PUT', '/v1/me/password', { token, body: { current_password: 'not the password', new_password: NEW_PASSWORD } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    const changed = await call(h, 'PUT', '/v1/me/password', { token, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);

    expect(await works(token)).toBe(true);
    expect((await call(h, 'GET', '/v1/sessions/current', { token })).body.session.restriction).toBeNull();
    expect((await passwordSignIn(user.email)).status).toBe(401);
    const fresh = await passwordSignIn(user.email, NEW_PASSWORD);
    expect(fresh.body.session.restriction).toBeNull();
    expect(await auditEvents(user.id, 'user.password_change')).toEqual([{ actor_id: user.id, data: { compromise_cleared: 'operator' } }]);
    const row = await repos(h.gatehouse.deps.db).users.byId(user.id);
    expect(row).toMatchObject({ password_compromised_at: null, password_compromise_reason: null });
  });

  it('a user with MFA: the second factor does not lift it; the session after the MFA step changes the password', async () => {
    const user = await mfaUser(h);
    await markPasswordCompromised(h.gatehouse.deps, user.email);
    const pending = await passwordSignIn(user.email);
    // Said ahead: once the MFA step is done, the password comes next.
    expect(pending.body.session).toMatchObject({ mfa_pending: true, restriction: { code: 'password_change_required', reason: 'operator' } });
    const early = await call(h, 'PUT', '/v1/me/password', { token: pending.body.token, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    expect([early.status, early.body.code]).toEqual([401, 'mfa_verification_required']);

    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
    expect(step.status).toBe(200);
    expect(step.body.session).toMatchObject({ aal: 2, restriction: { code: 'password_change_required', reason: 'operator' } });
    const refused = await call(h, 'GET', '/v1/orgs', { token: step.body.token });
    expect([refused.status, refused.body.code, refused.body.reason]).toEqual([403, 'password_change_required', 'operator']);

    const changed = await call(h, 'PUT', '/v1/me/password', { token: step.body.token, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);
    expect(await works(step.body.token)).toBe(true);
  });

  it('a single sign-on session does not rest on the password and is not held back', async () => {
    const user = await signUp(h);
    await markPasswordCompromised(h.gatehouse.deps, user.email);
    // A session as single sign-on issues it (src/app/sso/finishSsoLogin.ts): its amr starts with `sso`.
    const token = newToken(h.gatehouse.deps.random, 'session');
    const at = now(h);
    await repos(h.gatehouse.deps.db).credentials.insertSession({
      id: `ses_${randomBytes(6).toString('hex')}`,
      tokenHash: hashToken(token),
      userId: user.id,
      aal: 1,
      amr: ['sso', 'pwd'],
      mfaPending: false,
      authenticatedAt: at,
      now: at,
      expiresAt: addSeconds(at, 3600),
    });
    expect(await works(token)).toBe(true);
    expect((await call(h, 'GET', '/v1/sessions/current', { token })).body.session.restriction).toBeNull();
  });

  it('an unknown email, or an account without a password, is refused and nothing changes', async () => {
    expect(await markPasswordCompromised(h.gatehouse.deps, 'nobody@example.test')).toEqual({ outcome: 'no_such_user' });
    const user = await signUp(h);
    await repos(h.gatehouse.deps.db).users.setPasswordHash(user.id, null);
    expect(await markPasswordCompromised(h.gatehouse.deps, user.email)).toEqual({ outcome: 'no_password' });
    expect(await works(user.token)).toBe(true);
    expect(await auditEvents(user.id, 'user.password_compromised')).toEqual([]);
  });
});

describe('a password sign-in finds the password on the blocklist', () => {
  /** A user whose password was accepted before the blocklist had it (set in the database directly). */
  async function blocklistedUser(): Promise<TestUser & { pat: string }> {
    const user = await signUp(h);
    const pat = (await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci' } })).body.token as string;
    await repos(h.gatehouse.deps.db).users.setPasswordHash(user.id, await hashPassword(BLOCKLISTED));
    for (const token of [user.token, pat]) expect(await works(token)).toBe(true);
    return { ...user, pat };
  }

  it('a wrong password tells nothing and changes nothing', async () => {
    const user = await blocklistedUser();
    expect((await passwordSignIn(user.email, `${BLOCKLISTED}x`)).status).toBe(401);
    expect(await works(user.token)).toBe(true);
    expect(await auditEvents(user.id, 'user.password_compromised')).toEqual([]);
  });

  it('the right one is evidence of compromise: everything the account held ends, audited and mailed, and the new session can only change the password', async () => {
    const user = await blocklistedUser();
    const signIn = await passwordSignIn(user.email, BLOCKLISTED);
    expect(signIn.status).toBe(201);
    expect(signIn.body.session.restriction).toEqual({ code: 'password_change_required', reason: 'blocklist' });
    for (const token of [user.token, user.pat]) expect(await works(token)).toBe(false);
    expect(await auditEvents(user.id, 'user.password_compromised')).toEqual([{ actor_id: null, data: { reason: 'blocklist', sessions: 1, tokens: 1, ssh_certificates: 0 } }]);
    const [mail] = await mailsTo(user.email, 'Change your Gatehouse password');
    expect(mail?.text).toMatch(/breached or easily guessed/);

    const refused = await call(h, 'GET', '/v1/orgs', { token: signIn.body.token });
    expect([refused.status, refused.body.code, refused.body.reason]).toEqual([403, 'password_change_required', 'blocklist']);
    // Signing in again finds the mark already there: no second round of revocations or mail.
    const again = await passwordSignIn(user.email, BLOCKLISTED);
    expect((await call(h, 'GET', '/v1/sessions/current', { token: signIn.body.token })).status).toBe(200);
    expect(await auditEvents(user.id, 'user.password_compromised')).toHaveLength(1);
    expect(await mailsTo(user.email, 'Change your Gatehouse password')).toHaveLength(1);

    // The blocklist applies to the new password as to any other.
    const weak = await call(h, 'PUT', '/v1/me/password', { token: again.body.token, body: { current_password: BLOCKLISTED, new_password: 'password123' } });
    expect([weak.status, weak.body.code]).toEqual([400, 'weak_password']);
    const changed = await call(h, 'PUT', '/v1/me/password', { token: again.body.token, body: { current_password: BLOCKLISTED, new_password: NEW_PASSWORD } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);
    expect(await works(again.body.token)).toBe(true);
    expect(await auditEvents(user.id, 'user.password_change')).toEqual([{ actor_id: user.id, data: { compromise_cleared: 'blocklist' } }]);
  });

  it('for a user with MFA the password step already records it; the MFA step leads to the forced change', async () => {
    const user = await mfaUser(h);
    await repos(h.gatehouse.deps.db).users.setPasswordHash(user.id, await hashPassword(BLOCKLISTED));
    const pending = await passwordSignIn(user.email, BLOCKLISTED);
    expect(pending.body.session).toMatchObject({ mfa_pending: true, restriction: { code: 'password_change_required', reason: 'blocklist' } });
    expect(await works(user.token)).toBe(false);
    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending.body.token, body: { type: 'totp', code: await freshCode(h, user.totpSecret!) } });
    expect(step.body.session.restriction).toEqual({ code: 'password_change_required', reason: 'blocklist' });
    const changed = await call(h, 'PUT', '/v1/me/password', { token: step.body.token, body: { current_password: BLOCKLISTED, new_password: NEW_PASSWORD } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);
    expect(await works(step.body.token)).toBe(true);
  });
});
