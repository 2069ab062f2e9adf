/**
 * POST /v1/ssh/authorize, asked by sshd's AuthorizedPrincipalsCommand at every connection.
 * Threat: a certificate outliving the access it was issued for — a member moved to pending,
 * blocked, removed, or who dropped MFA keeps SSH and Git until the certificate expires.
 * Rule: the same access decision runs again at connection time with the current membership,
 * policy and factors and the credential the certificate was issued to; anything else is refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { enrollTotp, mfaUser, signInWithMfa, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { enforce } from './enforcementFlows.ts';

const HOST_TOKEN = randomBytes(32).toString('hex');
let h: Harness;
let dir: string;
let publicKey: string;
let fingerprint: string;

beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN } });
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-authorize-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', join(dir, 'id')]);
  publicKey = readFileSync(join(dir, 'id.pub'), 'utf8');
  fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'id.pub')], { encoding: 'utf8' }).split(' ')[1]!;
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Cert {
  serial: string;
  keyId: string;
}

/** Issues a certificate through the API and reads its serial and key id back with ssh-keygen. */
async function certificate(user: TestUser, slug: string): Promise<Cert> {
  const issued = await call(h, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: user.token, body: { public_key: publicKey } });
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  const path = join(dir, `cert-${randomBytes(4).toString('hex')}-cert.pub`);
  writeFileSync(path, `${issued.body.certificate}\n`);
  const listing = execFileSync('ssh-keygen', ['-L', '-f', path], { encoding: 'utf8' });
  return { serial: /Serial: (\d+)/.exec(listing)![1]!, keyId: /Key ID: "([^"]+)"/.exec(listing)![1]! };
}

function authorize(body: Record<string, unknown>, token: string | null = HOST_TOKEN) {
  return call(h, 'POST', '/v1/ssh/authorize', { ...(token !== null ? { token } : {}), body });
}

async function principalsOf(cert: Cert, extra: Record<string, unknown> = {}): Promise<{ principals: string[]; reason?: string }> {
  const answer = await authorize({ serial: cert.serial, fingerprint, key_id: cert.keyId, ...extra });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('POST /v1/ssh/authorize: the host token', () => {
  it('401 unauthenticated without it, or with any other token (shorter, longer, same length)', async () => {
    for (const token of [null, 'x', `${HOST_TOKEN}0`, HOST_TOKEN.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))]) {
      const answer = await authorize({ serial: '1' }, token);
      expect([answer.status, answer.body.code]).toEqual([401, 'unauthenticated']);
    }
  });

  it('a session token is no host token', async () => {
    const user = await mfaUser(h);
    const answer = await authorize({ serial: '1' }, user.token);
    expect([answer.status, answer.body.code]).toEqual([401, 'unauthenticated']);
  });

  it('400 invalid_request for a serial that is not decimal, or an unknown field', async () => {
    for (const body of [{ serial: '0x12' }, { serial: '' }, {}, { serial: '1', extra: true }]) {
      const answer = await authorize(body);
      expect([answer.status, answer.body.code]).toEqual([400, 'invalid_request']);
    }
  });
});

describe('POST /v1/ssh/authorize: the decision at connection time', () => {
  it('records each issued certificate with the asking credential (aal, amr) and key fingerprint', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const cert = await certificate(owner, slug);
    const row = await h.gatehouse.deps.db.selectFrom('ssh_certificates').selectAll().where('serial', '=', cert.serial).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: owner.id, key_fingerprint: fingerprint, aal: 2, revoked_at: null });
    expect(row.amr).toContain('otp');
    expect(cert.keyId).toContain(owner.id);
  });

  it('answers the organization for a live certificate of a member with access', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const cert = await certificate(owner, slug);
    expect(await principalsOf(cert)).toEqual({ principals: [slug] });
    expect(await principalsOf(cert, { principal: slug })).toEqual({ principals: [slug] });
    // Only the serial is required.
    expect((await authorize({ serial: cert.serial })).body).toEqual({ principals: [slug] });
  });

  it('refuses an unknown serial, and a serial quoted with another key, key id or organization', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const cert = await certificate(owner, slug);
    expect(await principalsOf({ ...cert, serial: '18446744073709551615' })).toEqual({ principals: [], reason: 'unknown_certificate' });
    expect(await principalsOf(cert, { fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).toEqual({ principals: [], reason: 'fingerprint_mismatch' });
    expect(await principalsOf(cert, { key_id: 'someone@example.test usr_other' })).toEqual({ principals: [], reason: 'key_id_mismatch' });
    expect(await principalsOf(cert, { principal: 'another-org' })).toEqual({ principals: [], reason: 'principal_mismatch' });
  });

  it('refuses a member moved to pending after getting the certificate (enforcement `remove`)', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const member = await addMember(h, owner, slug, 'member');
    const cert = await certificate(member, slug);
    expect((await principalsOf(cert)).principals).toEqual([slug]);
    const enforced = await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'remove' });
    expect(enforced.status, JSON.stringify(enforced.body)).toBe(200);
    expect(await principalsOf(cert)).toEqual({ principals: [], reason: 'membership_pending' });
  });

  it('refuses a member blocked after getting the certificate, and one whose certificate predates their second factor', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    let member = await addMember(h, owner, slug, 'member');
    const early = await certificate(member, slug);
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    expect(await principalsOf(early)).toEqual({ principals: [], reason: 'mfa_enrollment_required' });
    // Enrolling does not bless the old certificate: it was issued to a password-only session.
    member = await enrollTotp(h, member);
    expect(await principalsOf(early)).toEqual({ principals: [], reason: 'mfa_step_up_required' });
    const fresh = await certificate(await signInWithMfa(h, member), slug);
    expect(await principalsOf(fresh)).toEqual({ principals: [slug] });
  });

  it('refuses a member who dropped their last factor after getting the certificate', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const member = await addMember(h, owner, slug, 'member', { mfa: true });
    expect((await enforce(h, owner, slug, { confirm: 'ENFORCE', noncompliant_action: 'block' })).status).toBe(200);
    const cert = await certificate(member, slug);
    expect((await principalsOf(cert)).principals).toEqual([slug]);
    const factors = await call(h, 'GET', '/v1/me/mfa', { token: member.token });
    const dropped = await call(h, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: member.token, body: { acknowledge_leaving_organizations: true } });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(204);
    expect(await principalsOf(cert)).toEqual({ principals: [], reason: 'mfa_enrollment_required' });
  });

  it('refuses a member removed from the organization, and a revoked certificate', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const member = await addMember(h, owner, slug, 'member');
    const removedCert = await certificate(member, slug);
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token })).status).toBe(204);
    expect(await principalsOf(removedCert)).toEqual({ principals: [], reason: 'not_found' });

    const revoked = await certificate(owner, slug);
    await h.gatehouse.deps.db.updateTable('ssh_certificates').set({ revoked_at: new Date() }).where('serial', '=', revoked.serial).execute();
    expect(await principalsOf(revoked)).toEqual({ principals: [], reason: 'revoked' });
  });

  it('refuses an expired certificate (last: moves the test clock past the 8 hours)', async () => {
    const owner = await signUp(h);
    const slug = await createOrg(h, owner);
    const cert = await certificate(owner, slug);
    await h.advance(8 * 3600);
    expect(await principalsOf(cert)).toEqual({ principals: [], reason: 'expired' });
  });
});
