/**
 * Single sign-on with OpenID Connect against a real identity provider (oidc-provider on a
 * loopback port), driven like a browser: Gatehouse's login redirect, the IdP's interaction,
 * the callback with its cookies. The rule under test: an organization that enforces MFA admits
 * an SSO session only when this sign-in's MFA is proven — by the IdP's `amr` within
 * `max_idp_auth_age_seconds` when the organization trusts it, else by a local factor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, freshCode, mfaUser, now, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { SsoBrowser } from './ssoBrowser.ts';
import { access, configureSso, problemCode, REDIRECT_URI, sessionOf, ssoSignIn, uniqueDomain, uniqueSub, untilCallback, withAuthTime } from './ssoFlows.ts';
import { startTestIdp, type TestIdp } from './testIdp.ts';

const ADMIN_EMAIL = uniqueEmail('instance-admin');
let h: Harness;
let idp: TestIdp;
/** An instance administrator with TOTP: owner of the test organizations (adding verified domains needs one). */
let owner: TestUser;

beforeAll(async () => {
  idp = await startTestIdp({ redirectUri: REDIRECT_URI });
  h = await startHarness({ env: { GATEHOUSE_ADMIN_EMAILS: ADMIN_EMAIL } });
  owner = await mfaUser(h, ADMIN_EMAIL);
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

/** An organization with single sign-on; enforcing MFA (`block`) unless told otherwise. */
async function ssoOrg(options: { enforce?: boolean; sso?: Record<string, unknown> } = {}): Promise<string> {
  const slug = await createOrg(h, owner);
  await configureSso(h, owner, slug, idp, { trust_idp_mfa: true, ...options.sso });
  if (options.enforce !== false) {
    const enforced = await call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } });
    expect(enforced.status, JSON.stringify(enforced.body)).toBe(200);
  }
  return slug;
}

async function auditData(slug: string, action: string): Promise<any[]> {
  const rows = await h.gatehouse.deps.db
    .selectFrom('audit_events as e')
    .innerJoin('orgs as o', 'o.id', 'e.org_id')
    .select(['e.data', 'e.actor_id'])
    .where('o.slug', '=', slug)
    .where('e.action', '=', action)
    .orderBy('e.seq')
    .execute();
  return rows;
}

describe('trusted IdP MFA', () => {
  it('a user whose ID token says amr ["pwd","otp"] enters an organization that enforces MFA, with no local factor', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain] } });
    const email = `ada@${domain}`;
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email, amr: ['pwd', 'otp'] }, { redirect: `/orgs/${slug}` });

    expect(signIn.callback.status, signIn.callback.body).toBe(302);
    expect(signIn.callback.location).toBe(`/orgs/${slug}`);
    expect(signIn.token).toMatch(/^gses_/);
    const { user, session } = await sessionOf(h, signIn.token!);
    expect(user.email).toBe(email);
    expect(session).toMatchObject({ aal: 2, mfa_pending: false });
    expect(session.amr).toEqual(expect.arrayContaining(['sso', 'pwd', 'otp', 'mfa']));

    // The same decision through the API (bearer token) and the console (the cookie itself).
    const viaApi = await access(h, signIn.token!, slug);
    expect(viaApi.body).toMatchObject({ allowed: true, role: 'member', aal: 2 });
    const viaCookie = await call(h, 'GET', `/v1/orgs/${slug}/access`, { headers: { cookie: `gatehouse_session=${signIn.token}` } });
    expect(viaCookie.body).toMatchObject({ allowed: true, role: 'member' });
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: signIn.token })).status).toBe(200);

    const [login] = await auditData(slug, 'sso.login');
    expect(login.data).toMatchObject({ issuer: idp.issuer, trusted_mfa: true, user_created: true, joined: true });
    expect(login.actor_id).toBe(user.id);
    expect((await auditData(slug, 'member.join')).at(-1)!.data).toEqual({ role: 'member', via: 'sso' });
  });

  it('a hardware key at the IdP satisfies an organization that requires phishing-resistant factors; an OTP does not', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain] } });
    await h.gatehouse.deps.db.updateTable('orgs').set({ required_factor: 'phishing_resistant' }).where('slug', '=', slug).execute();

    const key = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `key@${domain}`, amr: ['hwk', 'mfa'] });
    expect((await sessionOf(h, key.token!)).session.amr).toContain('hwk');
    expect((await access(h, key.token!, slug)).body).toMatchObject({ allowed: true });

    // OTP is trusted MFA, but not phishing-resistant: this organization does not take the user in yet.
    const otp = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `otp@${domain}`, amr: ['pwd', 'otp'] });
    expect(otp.callback.location).toBe('/account/security');
    expect((await access(h, otp.token!, slug)).body.code).toBe('not_found');
  });

  it('an IdP "swk" is never taken for a phishing-resistant local passkey', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain] } });
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `soft@${domain}`, amr: ['pwd', 'swk'] });
    const { session } = await sessionOf(h, signIn.token!);
    expect(session.aal).toBe(2);
    expect(session.amr).not.toContain('swk');
  });
});

describe('untrusted or no IdP MFA: the user completes a local factor', () => {
  it('amr ["pwd"]: a member with TOTP gets a pending session; the usual MFA step completes it and lets them in', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain] } });
    const member = await addMember(h, owner, slug, 'member', { mfa: true });
    // The member's Gatehouse email is in the verified domain: the IdP may sign that account in.
    const email = `totp-${Date.now()}@${domain}`;
    await h.gatehouse.deps.db.updateTable('users').set({ email }).where('id', '=', member.id).execute();

    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email, amr: ['pwd'] });
    expect(signIn.callback.status).toBe(302);
    const pending = await sessionOf(h, signIn.token!);
    expect(pending.user.id).toBe(member.id);
    expect(pending.session).toMatchObject({ aal: 1, mfa_pending: true });
    const blocked = await access(h, signIn.token!, slug);
    expect(blocked.status).toBe(401);
    expect(blocked.body.code).toBe('mfa_verification_required');

    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: signIn.token, body: { type: 'totp', code: await freshCode(h, member.totpSecret!) } });
    expect(step.status, JSON.stringify(step.body)).toBe(200);
    expect(step.body.session.aal).toBe(2);
    expect((await access(h, step.body.token, slug)).body).toMatchObject({ allowed: true, role: 'member' });
    const [login] = await auditData(slug, 'sso.login');
    expect(login.data).toMatchObject({ trusted_mfa: false, untrusted_reason: 'no_second_factor', identity_linked: true });
  });

  it('amr ["pwd"]: a member without a factor gets an aal-1 session and mfa_enrollment_required', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const joined = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `plain@${domain}`, amr: ['pwd'] });
    expect((await access(h, joined.token!, slug)).body).toMatchObject({ allowed: true });
    const enforced = await call(h, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } });
    expect(enforced.status).toBe(200);

    const member = await ssoSignIn(h, idp, slug, { sub: (await identitySub(joined.token!))!, email: `plain@${domain}`, amr: ['pwd'] });
    expect((await sessionOf(h, member.token!)).session).toMatchObject({ aal: 1, mfa_pending: false });
    const refused = await access(h, member.token!, slug);
    expect(refused.body).toMatchObject({ allowed: false, code: 'mfa_enrollment_required' });
    expect((await call(h, 'GET', `/v1/orgs/${slug}`, { token: member.token })).body.code).toBe('mfa_enrollment_required');
  });

  it('a just-in-time joiner without MFA is not let in; after enrolling TOTP the next sign-in joins them (pending the MFA step)', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain] } });
    const sub = uniqueSub();
    const email = `newcomer@${domain}`;
    const first = await ssoSignIn(h, idp, slug, { sub, email, amr: ['pwd'] }, { redirect: `/orgs/${slug}` });
    expect(first.callback.location).toBe('/account/security');
    expect((await access(h, first.token!, slug)).body.code).toBe('not_found');
    expect((await auditData(slug, 'sso.login'))[0].data).toMatchObject({ join_deferred: 'mfa_enrollment_required' });

    // The SSO session is a fresh sign-in: it may enroll the first factor.
    const enrolled = await enrollTotp(h, { id: '', email, token: first.token! });
    const second = await ssoSignIn(h, idp, slug, { sub, email, amr: ['pwd'] }, { redirect: `/orgs/${slug}` });
    expect(second.callback.location).toBe(`/orgs/${slug}`);
    expect((await sessionOf(h, second.token!)).session.mfa_pending).toBe(true);
    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: second.token, body: { type: 'totp', code: await freshCode(h, enrolled.totpSecret!) } });
    expect((await access(h, step.body.token, slug)).body).toMatchObject({ allowed: true, role: 'member' });
  });

  it('an auth_time older than max_idp_auth_age_seconds is not trusted, even with otp', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain], max_idp_auth_age_seconds: 3600 } });
    const member = await addMember(h, owner, slug, 'member', { mfa: true });
    const email = `old-${Date.now()}@${domain}`;
    await h.gatehouse.deps.db.updateTable('users').set({ email }).where('id', '=', member.id).execute();

    const twoHoursAgo = Math.floor(now(h).getTime() / 1000) - 7200;
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email, amr: ['pwd', 'otp'], authTime: twoHoursAgo });
    expect((await sessionOf(h, signIn.token!)).session).toMatchObject({ aal: 1, mfa_pending: true });
    expect((await auditData(slug, 'sso.login'))[0].data).toMatchObject({ trusted_mfa: false, untrusted_reason: 'too_old' });
  });

  it('the age is measured on Gatehouse’s clock: the same sign-in turns untrusted once the clock passes the window', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain], max_idp_auth_age_seconds: 60 } });
    const sub = uniqueSub();
    const fresh = await ssoSignIn(h, idp, slug, { sub, email: `clock@${domain}`, amr: ['pwd', 'otp'] });
    expect((await sessionOf(h, fresh.token!)).session.aal).toBe(2);

    idp.nextLogin(withAuthTime(h, { sub, email: `clock@${domain}`, amr: ['pwd', 'otp'] }));
    const browser = new SsoBrowser(h);
    // Stop at the callback, move Gatehouse's clock past the window, then deliver it.
    const url = await untilCallback(browser, slug);
    await h.advance(120);
    const late = await browser.visit(url);
    expect(late.status, late.body).toBe(302);
    const { session } = await sessionOf(h, browser.sessionToken!);
    expect(session.aal).toBe(1);
    expect((await access(h, browser.sessionToken!, slug)).body.code).toBe('mfa_enrollment_required');
  });

  it('trust_idp_mfa off: otp at the IdP does not count', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ sso: { verified_domains: [domain], trust_idp_mfa: false } });
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `untrusted@${domain}`, amr: ['pwd', 'otp'] });
    expect((await sessionOf(h, signIn.token!)).session.aal).toBe(1);
    expect(signIn.callback.location).toBe('/account/security');
    expect((await auditData(slug, 'sso.login'))[0].data).toMatchObject({ trusted_mfa: false, untrusted_reason: 'trust_off' });
  });
});

describe('who may sign in and join', () => {
  it('just-in-time membership for a verified domain with the configured role; another domain is refused (403) and nothing is created', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain], jit_role: 'manager' } });
    const joined = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `jit@${domain}`, amr: ['pwd'] });
    expect((await access(h, joined.token!, slug)).body).toMatchObject({ allowed: true, role: 'manager' });

    const outsiderEmail = `stranger@${uniqueDomain('elsewhere')}`;
    const refused = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: outsiderEmail, amr: ['pwd', 'otp'] });
    expect(refused.callback.status).toBe(403);
    expect(problemCode(refused.callback)).toBe('forbidden');
    expect(refused.token).toBeUndefined();
    expect(await h.gatehouse.deps.db.selectFrom('users').select('id').where('email', '=', outsiderEmail).executeTakeFirst()).toBeUndefined();
  });

  it('an IdP cannot take over an existing account outside the verified domains, even a member’s', async () => {
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [uniqueDomain()] } });
    const member = await addMember(h, owner, slug, 'member');
    const refused = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: member.email, amr: ['pwd', 'otp'] });
    expect(refused.callback.status).toBe(403);
    expect(problemCode(refused.callback)).toBe('forbidden');
    expect(await h.gatehouse.deps.db.selectFrom('sso_identities').selectAll().where('user_id', '=', member.id).execute()).toEqual([]);
  });

  it('an identity already linked signs in whatever its domain, but only into organizations it belongs to', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const sub = uniqueSub();
    const first = await ssoSignIn(h, idp, slug, { sub, email: `linked@${domain}`, amr: ['pwd'] });
    expect(first.callback.status).toBe(302);
    const other = await ssoOrg({ enforce: false });
    const refused = await ssoSignIn(h, idp, other, { sub, email: `linked@${domain}`, amr: ['pwd'] });
    expect(refused.callback.status).toBe(403);
    expect(problemCode(refused.callback)).toBe('forbidden');
  });

  it('an email the IdP has not verified is refused (403)', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const refused = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `unverified@${domain}`, emailVerified: false, amr: ['pwd'] });
    expect(refused.callback.status).toBe(403);
    expect(problemCode(refused.callback)).toBe('forbidden');
  });

  it('allowed_auth_methods without "oidc" refuses the sign-in (403 forbidden), also for a login already under way', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const browser = new SsoBrowser(h);
    idp.nextLogin({ sub: uniqueSub(), email: `late@${domain}`, amr: ['pwd'] });
    const url = await untilCallback(browser, slug);

    const patched = await call(h, 'PATCH', `/v1/orgs/${slug}`, { token: owner.token, body: { allowed_auth_methods: ['password'] } });
    expect(patched.status).toBe(200);
    const start = await call(h, 'GET', `/v1/orgs/${slug}/sso/login`);
    expect(start.status).toBe(403);
    expect(start.body.code).toBe('forbidden');
    const callback = await browser.visit(url);
    expect(callback.status).toBe(403);
    expect(problemCode(callback)).toBe('forbidden');
    expect(browser.sessionToken).toBeUndefined();
  });
});

describe('the login state', () => {
  it('is single use: replaying the callback, cookie and all, is refused (400 invalid_request naming state)', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const browser = new SsoBrowser(h);
    idp.nextLogin(withAuthTime(h, { sub: uniqueSub(), email: `replay@${domain}`, amr: ['pwd'] }));
    const url = await untilCallback(browser, slug);
    const binding = browser.cookie('http://gatehouse.test', 'gatehouse_sso');
    expect(binding).toBeDefined();
    expect((await browser.visit(url)).status).toBe(302);

    const target = new URL(url);
    const replayed = await call(h, 'GET', target.pathname + target.search, { headers: { cookie: `gatehouse_sso=${binding}` } });
    expect(replayed.status).toBe(400);
    expect(replayed.body.code).toBe('invalid_request');
    expect(replayed.body.errors).toEqual([expect.objectContaining({ field: 'state', in: 'querystring' })]);
    expect(String(replayed.headers['set-cookie'])).not.toMatch(/gatehouse_session=gses_/);
  });

  it('belongs to the browser that started the login: a callback without its cookie is refused (login CSRF)', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const victim = new SsoBrowser(h);
    idp.nextLogin({ sub: uniqueSub(), email: `attacker@${domain}`, amr: ['pwd'] });
    const attacker = new SsoBrowser(h);
    const url = await untilCallback(attacker, slug);
    const forced = await victim.visit(url);
    expect(forced.status).toBe(403);
    expect(problemCode(forced)).toBe('forbidden');
    expect(victim.sessionToken).toBeUndefined();
  });

  it('expires after 10 minutes', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const browser = new SsoBrowser(h);
    idp.nextLogin({ sub: uniqueSub(), email: `slow@${domain}`, amr: ['pwd'] });
    const url = await untilCallback(browser, slug);
    await h.advance(601);
    const late = await browser.visit(url);
    expect(late.status).toBe(400);
    expect(problemCode(late)).toBe('invalid_request');
  });
});

describe('GET /v1/orgs/{slug}/sso/login', () => {
  it('redirects to the IdP with the authorization code flow, PKCE S256, state, nonce and the redirect URI', async () => {
    const slug = await ssoOrg({ enforce: false });
    const start = await call(h, 'GET', `/v1/orgs/${slug}/sso/login`);
    expect(start.status).toBe(302);
    const location = new URL(String(start.headers.location));
    expect(location.origin).toBe(idp.issuer);
    const params = Object.fromEntries(location.searchParams);
    expect(params).toMatchObject({ response_type: 'code', client_id: idp.clientId, redirect_uri: REDIRECT_URI, scope: 'openid email profile', code_challenge_method: 'S256' });
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(String(start.headers['set-cookie'])).toMatch(/gatehouse_sso=.*HttpOnly/i);
    // Only hashes of the state travel into the database.
    const row = await h.gatehouse.deps.db.selectFrom('sso_login_states').selectAll().where('state', '=', params.state!).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('404 for an organization without single sign-on, or no organization at all', async () => {
    const slug = await createOrg(h, owner);
    for (const target of [slug, 'no-such-org-here']) {
      const start = await call(h, 'GET', `/v1/orgs/${target}/sso/login`);
      expect(start.status).toBe(404);
      expect(start.body.code).toBe('not_found');
    }
  });

  it.each(['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'orgs/x'])('refuses redirect=%s (400 naming redirect)', async (redirect) => {
    const slug = await ssoOrg({ enforce: false });
    const start = await call(h, 'GET', `/v1/orgs/${slug}/sso/login?redirect=${encodeURIComponent(redirect)}`);
    expect(start.status).toBe(400);
    expect(start.body.errors).toEqual([expect.objectContaining({ field: 'redirect' })]);
  });
});

describe('DELETE /v1/me/password', () => {
  it('a user who signs in through single sign-on may remove their password; the password then stops working', async () => {
    const domain = uniqueDomain();
    const slug = await ssoOrg({ enforce: false, sso: { verified_domains: [domain] } });
    const user = await signUp(h, `pw-${Date.now()}@${domain}`);
    expect((await call(h, 'DELETE', '/v1/me/password', { token: user.token })).body.code).toBe('last_login_method');

    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: user.email, amr: ['pwd'] });
    expect((await sessionOf(h, signIn.token!)).user.id).toBe(user.id);
    const removed = await call(h, 'DELETE', '/v1/me/password', { token: user.token });
    expect(removed.status).toBe(204);
    const password = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: 'correct horse battery staple' } });
    expect(password.body.code).toBe('invalid_credentials');
  });

  it('an owner of an organization requiring MFA keeps it even with single sign-on', async () => {
    const slug = await ssoOrg({ sso: { verified_domains: [ADMIN_EMAIL.split('@')[1]!] } });
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: ADMIN_EMAIL, amr: ['pwd', 'otp'] });
    expect(signIn.callback.status).toBe(302);
    const refused = await call(h, 'DELETE', '/v1/me/password', { token: owner.token });
    expect(refused.body.code).toBe('password_required_by_organization');
  });
});

async function identitySub(token: string): Promise<string | undefined> {
  const { user } = await sessionOf(h, token);
  const row = await h.gatehouse.deps.db.selectFrom('sso_identities').select('subject').where('user_id', '=', user.id).executeTakeFirst();
  return row?.subject;
}
