import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
let dir: string;
let publicKey: string;
beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-sshkeys-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', join(dir, 'id')]);
  publicKey = readFileSync(join(dir, 'id.pub'), 'utf8');
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function orgWith(owner: TestUser, slug: string, member?: TestUser): Promise<void> {
  expect((await call(h, 'POST', '/v1/orgs', { token: owner.token, body: { slug, name: slug } })).status).toBe(201);
  if (member) {
    const org = await h.gatehouse.deps.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    // Membership written directly: this file tests certificates, not invitations.
    await h.gatehouse.deps.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member', state: 'active', pending_since: null, reinstate_until: null, last_reminded_at: null, created_at: new Date() }).execute();
  }
}

async function requireMfa(slug: string): Promise<void> {
  // Set directly: the enforcement endpoint has its own tests; here only the decision matters.
  await h.gatehouse.deps.db.updateTable('orgs').set({ mfa_required: true }).where('slug', '=', slug).execute();
}

describe('SSH certificates', () => {
  it('GET /v1/ssh/ca serves an OpenSSH ed25519 public key without authentication', async () => {
    const response = await call(h, 'GET', '/v1/ssh/ca');
    expect(response.status).toBe(200);
    expect(response.body.public_key).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+/);
  });

  it('issues a certificate for the slug, valid from 5 minutes ago for 8 hours, that ssh-keygen reads', async () => {
    const owner = await mfaUser(h);
    await orgWith(owner, 'ssh-ok');
    await requireMfa('ssh-ok');
    const response = await call(h, 'POST', '/v1/orgs/ssh-ok/ssh-certificates', { token: owner.token, body: { public_key: publicKey } });
    expect(response.status).toBe(201);
    expect(response.body.principals).toEqual(['ssh-ok']);
    const now = h.gatehouse.deps.clock.now().getTime();
    expect(now - new Date(response.body.valid_after).getTime()).toBeGreaterThanOrEqual(299_000);
    expect(new Date(response.body.valid_before).getTime() - now).toBeLessThanOrEqual(8 * 3600_000);
    writeFileSync(join(dir, 'id-cert.pub'), `${response.body.certificate}\n`);
    const listing = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'id-cert.pub')], { encoding: 'utf8' });
    expect(listing).toContain('user certificate');
    expect(listing).toContain(owner.email);
    expect(listing).toMatch(/Principals:\s*\n\s*ssh-ok/);
    const audit = await h.gatehouse.deps.db.selectFrom('audit_events').select('action').where('action', '=', 'ssh.certificate_issue').execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it('refuses a member without MFA in an enforcing organization (403 mfa_enrollment_required)', async () => {
    const owner = await mfaUser(h);
    const member = await signUp(h);
    await orgWith(owner, 'ssh-nomfa', member);
    await requireMfa('ssh-nomfa');
    const response = await call(h, 'POST', '/v1/orgs/ssh-nomfa/ssh-certificates', { token: member.token, body: { public_key: publicKey } });
    expect([response.status, response.body.code]).toEqual([403, 'mfa_enrollment_required']);
  });

  it('refuses an aal-1 token of a member who has MFA (403 mfa_step_up_required)', async () => {
    const owner = await mfaUser(h);
    await orgWith(owner, 'ssh-stepup');
    await requireMfa('ssh-stepup');
    // An aal-1 credential of a user who has MFA: a session from before enrollment, say.
    const downgraded = await h.gatehouse.deps.db.updateTable('sessions').set({ aal: 1 }).where('user_id', '=', owner.id).executeTakeFirst();
    expect(downgraded.numUpdatedRows).toBeGreaterThan(0n);
    const response = await call(h, 'POST', '/v1/orgs/ssh-stepup/ssh-certificates', { token: owner.token, body: { public_key: publicKey } });
    expect([response.status, response.body.code]).toEqual([403, 'mfa_step_up_required']);
  });

  it('400 invalid_public_key; 404 for non-members; 400 for a validity over 24 h', async () => {
    const owner = await mfaUser(h);
    await orgWith(owner, 'ssh-bad');
    const bad = await call(h, 'POST', '/v1/orgs/ssh-bad/ssh-certificates', { token: owner.token, body: { public_key: 'ssh-ed25519 not-base64' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_public_key']);
    const stranger = await signUp(h);
    const foreign = await call(h, 'POST', '/v1/orgs/ssh-bad/ssh-certificates', { token: stranger.token, body: { public_key: publicKey } });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
    const long = await call(h, 'POST', '/v1/orgs/ssh-bad/ssh-certificates', { token: owner.token, body: { public_key: publicKey, valid_seconds: 25 * 3600 } });
    expect([long.status, long.body.code]).toEqual([400, 'invalid_request']);
  });
});

describe('POST /v1/ssh/authorize without GATEHOUSE_SSH_AUTHORIZE_TOKEN', () => {
  it('does not exist: 404 not_found, whatever token is sent (an unprotected oracle of live certificates is worse than none)', async () => {
    const owner = await mfaUser(h);
    for (const token of [undefined, owner.token]) {
      const response = await call(h, 'POST', '/v1/ssh/authorize', { ...(token ? { token } : {}), body: { serial: '1' } });
      expect([response.status, response.body.code]).toEqual([404, 'not_found']);
    }
  });
});
