/**
 * Threat: an operator who must run every account at ASVS level 2 (6.3.3: MFA is required to
 * access the application) cannot rely on each organization's owners to enforce it; a member of
 * an organization that does not enforce MFA — or a credential minted before anyone enforced it —
 * gets in with a password alone, on whichever channel is checked least.
 * Rule: with GATEHOUSE_REQUIRE_MFA=on, every organization refuses, on every channel (console
 * session, API session, personal access token, SSH certificate at issue and at each connection,
 * Git, single sign-on), any credential that did not verify MFA: 403 `mfa_enrollment_required`
 * when the user has no factor, `mfa_step_up_required` when they have one but the credential did
 * not prove it. Once the user proves a factor, they get in.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSeconds } from '../../src/core/clock.ts';
import { hashToken, newToken } from '../../src/core/tokens.ts';
import { repos } from '../../src/db/repos.ts';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, now, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg } from '../helpers/orgFlows.ts';
import { configureSso, sessionOf, ssoSignIn, uniqueDomain, uniqueSub, REDIRECT_URI } from '../sso/ssoFlows.ts';
import { startTestIdp, type TestIdp } from '../sso/testIdp.ts';

const HOST_TOKEN = randomBytes(32).toString('hex');
const ADMIN_EMAIL = uniqueEmail('instance-admin');
let h: Harness;
let idp: TestIdp;
let owner: TestUser;
let dir: string;
let publicKey: string;

beforeAll(async () => {
  idp = await startTestIdp({ redirectUri: REDIRECT_URI });
  h = await startHarness({ env: { GATEHOUSE_REQUIRE_MFA: 'on', GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN, GATEHOUSE_ADMIN_EMAILS: ADMIN_EMAIL } });
  owner = await mfaUser(h, ADMIN_EMAIL);
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-instance-mfa-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', join(dir, 'id')]);
  publicKey = readFileSync(join(dir, 'id.pub'), 'utf8');
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Member extends TestUser {
  /** A personal access token minted at aal 1 before the operator turned the switch on. */
  pat: string;
  /** The serial of an SSH certificate issued to an aal-1 credential before the switch. */
  serial: string;
}

/**
 * A member of an organization that does not enforce MFA, with what they held before the operator
 * turned GATEHOUSE_REQUIRE_MFA on (a membership, an aal-1 token and certificate): written to the
 * database directly, since the switch now stops anyone from getting them without MFA.
 */
async function memberFromBefore(slug: string): Promise<Member> {
  const user = await signUp(h);
  const r = repos(h.gatehouse.deps.db);
  const org = await r.orgs.bySlug(slug);
  const at = now(h);
  await r.orgs.insertMembership({ orgId: org!.id, userId: user.id, role: 'member', now: at });
  const pat = newToken(h.gatehouse.deps.random, 'pat');
  await r.credentials.insertPat({ id: `pat_${randomBytes(6).toString('hex')}`, tokenHash: hashToken(pat), userId: user.id, name: 'ci', aal: 1, amr: ['pwd'], now: at, expiresAt: null });
  const serial = BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
  await r.sshCertificates.insert({ serial, userId: user.id, orgId: org!.id, keyFingerprint: 'SHA256:before', aal: 1, amr: ['pwd'], validAfter: addSeconds(at, -300), validBefore: addSeconds(at, 8 * 3600), now: at });
  return { ...user, pat, serial };
}

async function authorize(serial: string): Promise<{ principals: string[]; reason?: string }> {
  const answer = await call(h, 'POST', '/v1/ssh/authorize', { token: HOST_TOKEN, body: { serial } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

const viaCookie = (token: string) => ({ headers: { cookie: `gatehouse_session=${token}` } });
const outcome = (answer: { status: number; body: any }) => (answer.status === 200 || answer.status === 201 ? answer.status : `${answer.status} ${answer.body.code}`);

describe('GATEHOUSE_REQUIRE_MFA=on, in an organization that does not enforce MFA itself', () => {
  it('a member without a factor is refused on every channel with 403 mfa_enrollment_required', async () => {
    const slug = await createOrg(h, owner);
    const member = await memberFromBefore(slug);
    const refused = '403 mfa_enrollment_required';

    // Console (the session cookie) and API (the same session as a bearer token, and a token).
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, viaCookie(member.token)))).toBe(refused);
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, { token: member.token }))).toBe(refused);
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: member.pat }))).toBe(refused);
    for (const channel of ['console', 'api', 'ssh', 'git']) {
      expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}/access?channel=${channel}`, { token: member.token })), channel).toBe(refused);
    }
    // SSH and Git: no new certificate, and the one from before is refused at its next connection.
    expect(outcome(await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: member.token, body: { public_key: publicKey } }))).toBe(refused);
    expect(await authorize(member.serial)).toEqual({ principals: [], reason: 'mfa_enrollment_required' });
    // The organization's own view agrees: the member is blocked.
    const members = await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: owner.token });
    expect(members.body.members.find((entry: { user_id: string }) => entry.user_id === member.id)).toMatchObject({ access: 'blocked' });
  });

  it('once the member proves a factor: the new credentials get in, the aal-1 ones get 403 mfa_step_up_required', async () => {
    const slug = await createOrg(h, owner);
    const member = await memberFromBefore(slug);
    const enrolled = await enrollTotp(h, member);

    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, viaCookie(enrolled.token)))).toBe(200);
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, { token: enrolled.token }))).toBe(200);
    const access = await call(h, 'GET', `/v1/orgs/${slug}/access?channel=git`, { token: enrolled.token });
    expect(access.body).toMatchObject({ allowed: true, aal: 2 });
    const issued = await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: enrolled.token, body: { public_key: publicKey } });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const { serial } = await h.gatehouse.deps.db.selectFrom('ssh_certificates').select('serial').where('user_id', '=', member.id).where('aal', '=', 2).executeTakeFirstOrThrow();
    expect(await authorize(serial)).toEqual({ principals: [slug] });

    // What was minted without MFA stays refused, now with the code that says "prove your factor".
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, { token: member.pat }))).toBe('403 mfa_step_up_required');
    expect(await authorize(member.serial)).toEqual({ principals: [], reason: 'mfa_step_up_required' });
  });

  it('an owner gets no exemption', async () => {
    const ownerWithout = await signUp(h);
    const slug = await createOrg(h, owner);
    const r = repos(h.gatehouse.deps.db);
    await r.orgs.insertMembership({ orgId: (await r.orgs.bySlug(slug))!.id, userId: ownerWithout.id, role: 'owner', now: now(h) });
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: ownerWithout.token }))).toBe('403 mfa_enrollment_required');
  });
});

describe('GATEHOUSE_REQUIRE_MFA=on, single sign-on', () => {
  it('a sign-in whose IdP MFA is not trusted does not join, and its session can only enroll a factor', async () => {
    const domain = uniqueDomain();
    const slug = await createOrg(h, owner);
    await configureSso(h, owner, slug, idp, { trust_idp_mfa: true, verified_domains: [domain] });
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `ada@${domain}`, amr: ['pwd'] }, { redirect: `/orgs/${slug}` });

    expect(signIn.callback.status, signIn.callback.body).toBe(302);
    // Sent to enroll a factor instead of the organization it asked for.
    expect(signIn.callback.location).toBe('/account/security');
    const { session } = await sessionOf(h, signIn.token!);
    expect(session).toMatchObject({ aal: 1, mfa_pending: false, restriction: { code: 'mfa_enrollment_required' } });
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, viaCookie(signIn.token!)))).toBe('403 mfa_enrollment_required');
    expect(outcome(await call(h, 'GET', '/v1/orgs', { token: signIn.token! }))).toBe('403 mfa_enrollment_required');
    // The organization was not joined: the join waits for a sign-in with MFA.
    const members = await call(h, 'GET', `/v1/orgs/${slug}/members`, { token: owner.token });
    expect(members.body.members.map((entry: { email: string }) => entry.email)).not.toContain(`ada@${domain}`);
  });

  it('a sign-in whose IdP MFA is trusted joins and enters, with no local factor', async () => {
    const domain = uniqueDomain();
    const slug = await createOrg(h, owner);
    await configureSso(h, owner, slug, idp, { trust_idp_mfa: true, verified_domains: [domain] });
    const signIn = await ssoSignIn(h, idp, slug, { sub: uniqueSub(), email: `grace@${domain}`, amr: ['pwd', 'otp'] }, { redirect: `/orgs/${slug}` });

    expect(signIn.callback.location).toBe(`/orgs/${slug}`);
    const { session } = await sessionOf(h, signIn.token!);
    expect(session).toMatchObject({ aal: 2, restriction: null });
    expect(outcome(await call(h, 'GET', `/v1/orgs/${slug}`, viaCookie(signIn.token!)))).toBe(200);
  });
});
