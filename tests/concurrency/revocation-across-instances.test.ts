/**
 * Threat: a session signed out, or a member moved to pending, through one instance of a scaled
 * deployment still gets in through another instance, even for a moment.
 * Rule: with PostgreSQL the access cache is off by default (GATEHOUSE_ACCESS_CACHE), so every
 * instance reads credential and membership on every request: the very next request to any
 * instance, with no waiting at all, is refused.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/compose.ts';
import { mfaUser, signUp, type TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { addMember, createOrg, uniqueSlug } from '../helpers/orgFlows.ts';
import { accessOn, startTwoInstances, type TwoInstances } from './twoInstances.ts';

let pair: TwoInstances | undefined;
let a: Harness;
let b: Gatehouse;
let owner: TestUser;

beforeAll(async () => {
  pair = await startTwoInstances();
  ({ a, b } = pair);
  owner = await mfaUser(a);
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

const accessOnB = (user: TestUser, slug: string) => accessOn(b, user, slug);

it('PostgreSQL deployments run without the access cache unless it is turned on', () => {
  expect(b.deps.config.accessCache).toBe(false);
  expect(b.deps.accessCache).toBeUndefined();
});

it('a session signed out through one instance is refused by the other on the very next request', async () => {
  const user = await signUp(a);
  const slug = await createOrg(a, user, uniqueSlug());
  expect((await accessOnB(user, slug)).status).toBe(200);
  expect((await accessOnB(user, slug)).status).toBe(200);
  const signedOut = await a.gatehouse.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { authorization: `Bearer ${user.token}` } });
  expect(signedOut.statusCode).toBe(204);
  const next = await accessOnB(user, slug);
  expect([next.status, next.body.code]).toEqual([401, 'unauthenticated']);
});

it('a member moved to pending through one instance is pending on the other on the very next request', async () => {
  const slug = await createOrg(a, owner, uniqueSlug());
  const member = await addMember(a, owner, slug, 'member');
  expect((await accessOnB(member, slug)).body.allowed).toBe(true);
  const enforced = await a.gatehouse.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${slug}/mfa-enforcement`,
    headers: { authorization: `Bearer ${owner.token}` },
    payload: { confirm: 'ENFORCE', noncompliant_action: 'remove' },
  });
  expect(enforced.statusCode).toBe(200);
  expect((await accessOnB(member, slug)).body.code).toBe('membership_pending');
});
