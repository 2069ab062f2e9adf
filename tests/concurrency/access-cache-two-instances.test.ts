/**
 * Threat: an instance of a horizontally scaled deployment keeps answering from its access cache
 * after another instance revoked the credential or moved the member to pending.
 * Rule: every such change notifies on `gatehouse_access` at commit (database triggers), and every
 * instance LISTENs and drops what it cached (src/db/accessCache.ts, src/db/accessListener.ts).
 * PostgreSQL delivers notifications to a listener in commit order, so once instance B has applied
 * a marker notified after the change, it has applied the change: the test waits for exactly that
 * (no sleeping, no timing) and then expects B to refuse.
 * Always runs on PostgreSQL (the embedded database is one process by design), with the cache
 * turned on (GATEHOUSE_ACCESS_CACHE=on): PostgreSQL deployments have it off by default, because of
 * the window this test has to wait out (tests/concurrency/revocation-across-instances.test.ts).
 */
import { randomBytes } from 'node:crypto';
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
  pair = await startTwoInstances({ GATEHOUSE_ACCESS_CACHE: 'on' });
  ({ a, b } = pair);
  owner = await mfaUser(a);
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

const accessOnB = (user: TestUser, slug: string) => accessOn(b, user, slug);

/** Asks B twice, and checks that B's cache holds the answer (or the test would prove nothing). */
async function cachedOnB(user: TestUser, slug: string): Promise<{ status: number; body: any }> {
  expect(b.deps.accessCache?.listening).toBe(true);
  // Notifications of A's earlier writes still arriving would (rightly) keep B from storing what it reads.
  await bCaughtUp();
  await accessOnB(user, slug);
  let statements = 0;
  const executor = Object.getPrototypeOf(b.deps.db.getExecutor()) as { executeQuery: (...args: unknown[]) => Promise<unknown> };
  const original = executor.executeQuery;
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return original.apply(this, args);
  };
  try {
    const answer = await accessOnB(user, slug);
    expect(statements, 'B should answer from its cache').toBe(0);
    return answer;
  } finally {
    executor.executeQuery = original;
  }
}

/** Resolves once B has applied every notification committed before this call. */
async function bCaughtUp(): Promise<void> {
  const cache = b.deps.accessCache;
  if (!cache) throw new Error('no access cache on instance B');
  const marker = `t:marker-${randomBytes(8).toString('hex')}`;
  const applied = new Promise<void>((resolve) => {
    const apply = cache.apply.bind(cache);
    cache.apply = (payload: string) => {
      apply(payload);
      if (payload === marker) {
        cache.apply = apply;
        resolve();
      }
    };
  });
  await a.gatehouse.deps.db.selectNoFrom((eb) => eb.fn('pg_notify', [eb.val('gatehouse_access'), eb.val(marker)]).as('sent')).execute();
  await applied;
}

it('a session revoked through one instance is refused by the other', async () => {
  const user = await signUp(a);
  const slug = await createOrg(a, user, uniqueSlug());
  expect((await cachedOnB(user, slug)).status).toBe(200);
  const signedOut = await a.gatehouse.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { authorization: `Bearer ${user.token}` } });
  expect(signedOut.statusCode).toBe(204);
  await bCaughtUp();
  expect((await accessOnB(user, slug)).status).toBe(401);
});

it('a member moved to pending through one instance is pending on the other', async () => {
  const slug = await createOrg(a, owner, uniqueSlug());
  const member = await addMember(a, owner, slug, 'member');
  expect((await cachedOnB(member, slug)).body.allowed).toBe(true);
  const enforced = await a.gatehouse.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${slug}/mfa-enforcement`,
    headers: { authorization: `Bearer ${owner.token}` },
    payload: { confirm: 'ENFORCE', noncompliant_action: 'remove' },
  });
  expect(enforced.statusCode).toBe(200);
  await bCaughtUp();
  expect((await accessOnB(member, slug)).body.code).toBe('membership_pending');
});
