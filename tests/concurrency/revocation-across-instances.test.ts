/**
 * Threat: a session signed out, a token revoked, a factor deleted, a member removed or moved to
 * pending, or an organization's policy tightened through one instance of a scaled deployment
 * still gets in through another instance, even for a moment, because that instance answers from
 * its access cache.
 * Rule: the access cache is on in every instance (the default, also with PostgreSQL), and a write
 * that changed access facts answers only once every other instance's cache has applied it
 * (src/db/accessBarrier.ts). So the very next request to any instance, with no waiting at all,
 * is refused.
 * Instance B's link to PostgreSQL is given latency, as a network between hosts has: B hears of a
 * change well after A's COMMIT returns, so without the barrier B would answer the next request
 * from its cache (each case first proves B holds the entry cached). Each case runs many times.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/compose.ts';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp, type TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { addMember, createOrg, uniqueSlug } from '../helpers/orgFlows.ts';
import { accessOn, cachedAccessOn, startTwoInstances, type TwoInstances } from './twoInstances.ts';

const ROUNDS = 8;
const LATENCY_MS = 20;
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

let pair: TwoInstances | undefined;
let a: Harness;
let b: Gatehouse;
let owner: TestUser;

beforeAll(async () => {
  pair = await startTwoInstances({}, { proxyB: true });
  ({ a, b } = pair);
  pair.proxy?.setLatency(LATENCY_MS);
  owner = await mfaUser(a);
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

it('PostgreSQL deployments run with the access cache on, every instance registered for the barrier', async () => {
  expect(b.deps.config.accessCache).toBe(true);
  expect(a.gatehouse.deps.accessCache?.listening).toBe(true);
  expect(b.deps.accessCache?.listening).toBe(true);
  const rows = await a.gatehouse.deps.db.selectFrom('access_cache_instances').select('id').execute();
  expect(rows.map((row) => row.id).sort()).toEqual([a.gatehouse.deps.accessBarrier?.instanceId, b.deps.accessBarrier?.instanceId].sort());
});

describe(`through A, then the very next request through B (${ROUNDS} times each)`, () => {
  it('a session signed out: 401 unauthenticated', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const user = await signUp(a);
      const slug = await createOrg(a, user, uniqueSlug());
      expect((await cachedAccessOn(b, user, slug, pair!)).status).toBe(200);
      expect((await call(a, 'DELETE', '/v1/sessions/current', { token: user.token })).status).toBe(204);
      const next = await accessOn(b, user, slug);
      expect([round, next.status, next.body.code]).toEqual([round, 401, 'unauthenticated']);
    }
  });

  it('a personal access token revoked: 401 unauthenticated', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const user = await signUp(a);
      const slug = await createOrg(a, user, uniqueSlug());
      const created = await call(a, 'POST', '/v1/me/tokens', { token: user.token, body: { name: `round ${round}` } });
      expect(created.status).toBe(201);
      const pat = { ...user, token: created.body.token as string };
      expect((await cachedAccessOn(b, pat, slug, pair!)).status).toBe(200);
      expect((await call(a, 'DELETE', `/v1/me/tokens/${created.body.id}`, { token: user.token })).status).toBe(204);
      const next = await accessOn(b, pat, slug);
      expect([round, next.status, next.body.code]).toEqual([round, 401, 'unauthenticated']);
    }
  });

  it('the last factor deleted in an organization that requires MFA: refused', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const slug = await createOrg(a, owner, uniqueSlug());
      const member = await addMember(a, owner, slug, 'member', { mfa: true });
      const enforced = await call(a, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } });
      expect(enforced.status).toBe(200);
      expect((await cachedAccessOn(b, member, slug, pair!)).body.allowed).toBe(true);
      const factors = await call(a, 'GET', '/v1/me/mfa', { token: member.token });
      const deleted = await call(a, 'DELETE', `/v1/me/mfa/factors/${factors.body.factors[0].id}`, { token: member.token, body: { acknowledge_leaving_organizations: true } });
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      const next = await accessOn(b, member, slug);
      expect([round, next.body.allowed, next.body.code]).toEqual([round, false, 'mfa_enrollment_required']);
    }
  });

  it('a member removed: 404 not_found', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const slug = await createOrg(a, owner, uniqueSlug());
      const member = await addMember(a, owner, slug, 'member');
      expect((await cachedAccessOn(b, member, slug, pair!)).body.allowed).toBe(true);
      expect((await call(a, 'DELETE', `/v1/orgs/${slug}/members/${member.id}`, { token: owner.token })).status).toBe(204);
      const next = await accessOn(b, member, slug);
      expect([round, next.status, next.body.code]).toEqual([round, 404, 'not_found']);
    }
  });

  it('enforcement `remove`: the member is pending', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const slug = await createOrg(a, owner, uniqueSlug());
      const member = await addMember(a, owner, slug, 'member');
      expect((await cachedAccessOn(b, member, slug, pair!)).body.allowed).toBe(true);
      const enforced = await call(a, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove' } });
      expect(enforced.status).toBe(200);
      const next = await accessOn(b, member, slug);
      expect([round, next.body.allowed, next.body.code]).toEqual([round, false, 'membership_pending']);
    }
  });

  it('enforcement `block` (a policy change): a member without a factor is refused', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const slug = await createOrg(a, owner, uniqueSlug());
      const member = await addMember(a, owner, slug, 'member');
      expect((await cachedAccessOn(b, member, slug, pair!)).body.allowed).toBe(true);
      const enforced = await call(a, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } });
      expect(enforced.status).toBe(200);
      const next = await accessOn(b, member, slug);
      expect([round, next.body.allowed, next.body.code]).toEqual([round, false, 'mfa_enrollment_required']);
    }
  });
});

it('an operator’s `gatehouse users sign-out` returns only once no instance admits the sessions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-signout-'));
  try {
    for (let round = 0; round < 3; round += 1) {
      const user = await signUp(a);
      const slug = await createOrg(a, user, uniqueSlug());
      expect((await cachedAccessOn(b, user, slug, pair!)).status).toBe(200);
      const signedOut = await run(['users', 'sign-out', user.email], { DATABASE_URL: pair!.databaseUrl, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: pair!.secretKey });
      expect(signedOut.code, signedOut.stderr).toBe(0);
      expect([round, (await accessOn(b, user, slug)).status]).toEqual([round, 401]);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('every change the instances made was charged to the request or job that made it (none escaped the barrier)', () => {
  expect([a.gatehouse.deps.accessBarrier?.stats.unattributed, b.deps.accessBarrier?.stats.unattributed]).toEqual([0, 0]);
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
