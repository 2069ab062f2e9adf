import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { totpCode } from '../../src/core/totp.ts';
import { mfaUser, PASSWORD, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg, uniqueSlug } from '../helpers/orgFlows.ts';

/**
 * No N+1 on the hot path: the SQL statements one request sends must not depend on how many
 * members the organization has. Statements are counted where every Kysely query passes, the
 * query executor (transactions get their own executor of the same class, so the prototype is
 * wrapped), on PGlite and on PostgreSQL alike. BEGIN and COMMIT are not counted.
 */
let h: Harness;
let owner: TestUser;
let statements: string[] = [];
let transactions = 0;
const small = { slug: uniqueSlug('small'), members: 10 };
const large = { slug: uniqueSlug('large'), members: 1000 };

async function addMembersDirectly(slug: string, count: number): Promise<void> {
  const db = h.gatehouse.deps.db;
  const org = await db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  const now = h.gatehouse.deps.clock.now();
  // Set-based: half of them with a confirmed factor, so the decision and the compliance lists have both kinds.
  await sql`insert into users (id, email, name, password_hash, created_at)
    select ${`usr_${slug}_`} || g, ${`${slug}-`} || g || '@example.test', null, null, ${now} from generate_series(1, ${count}::int) g`.execute(db);
  await sql`insert into memberships (org_id, user_id, role, state, created_at)
    select ${org.id}, ${`usr_${slug}_`} || g, 'member', 'active', ${now} from generate_series(1, ${count}::int) g`.execute(db);
  await sql`insert into mfa_factors (id, user_id, type, name, secret_sealed, confirmed_at, created_at)
    select ${`fac_${slug}_`} || g, ${`usr_${slug}_`} || g, 'totp', 'app', 'v1.x.y', ${now}, ${now} from generate_series(1, ${count}::int) g where g % 2 = 0`.execute(db);
}

/** The statements `work` sends; the access cache is emptied first unless `warm`. */
async function count(work: () => Promise<unknown>, options: { warm?: boolean } = {}): Promise<string[]> {
  if (!options.warm) h.gatehouse.deps.accessCache?.clear();
  statements = [];
  transactions = 0;
  await work();
  const sent = statements;
  statements = [];
  return sent;
}

beforeAll(async () => {
  // With the cache on (PostgreSQL has it off by default) so its last case can check it; the
  // counts above clear it first, so they measure what an uncached request costs.
  h = await startHarness({ env: { GATEHOUSE_ACCESS_CACHE: 'on' } });
  const executor = Object.getPrototypeOf(h.gatehouse.deps.db.getExecutor()) as { executeQuery: (...args: unknown[]) => Promise<unknown> };
  const original = executor.executeQuery;
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    statements.push(String((args[0] as { sql: string }).sql));
    return original.apply(this, args);
  };
  const db = h.gatehouse.deps.db as unknown as { transaction: () => unknown };
  const transaction = db.transaction;
  db.transaction = function (this: unknown) {
    transactions += 1;
    return transaction.call(this);
  };
  owner = await mfaUser(h);
  for (const org of [small, large]) {
    await createOrg(h, owner, org.slug);
    await addMembersDirectly(org.slug, org.members);
    const enforced = await call(h, 'PUT', `/v1/orgs/${org.slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'block' } });
    expect(enforced.status, JSON.stringify(enforced.body)).toBe(200);
  }
  // A first request touches the session (at most once a minute); the counts below are of steady requests.
  expect((await call(h, 'GET', `/v1/orgs/${small.slug}/access`, { token: owner.token })).status).toBe(200);
});

afterAll(async () => {
  await h?.close();
});

const routes: { name: string; path: (slug: string) => string; atMost: number }[] = [
  // One statement for the credential, one for the facts of the decision.
  { name: 'GET /v1/orgs/{slug}/access', path: (slug) => `/v1/orgs/${slug}/access`, atMost: 2 },
  { name: 'GET /v1/orgs/{slug}', path: (slug) => `/v1/orgs/${slug}`, atMost: 2 },
  // Org-scoped reads that list members: still a fixed number of statements.
  { name: 'GET /v1/orgs/{slug}/members', path: (slug) => `/v1/orgs/${slug}/members`, atMost: 4 },
  { name: 'GET /v1/orgs/{slug}/mfa-enforcement', path: (slug) => `/v1/orgs/${slug}/mfa-enforcement`, atMost: 5 },
];

describe('statements per request do not grow with the organization (10 vs 1000 members)', () => {
  for (const route of routes) {
    it(route.name, async () => {
      const request = (slug: string) => async () => {
        const response = await call(h, 'GET', route.path(slug), { token: owner.token });
        expect(response.status, JSON.stringify(response.body)).toBe(200);
      };
      const forSmall = await count(request(small.slug));
      const forLarge = await count(request(large.slug));
      expect(forLarge).toHaveLength(forSmall.length);
      expect(forLarge.length).toBeLessThanOrEqual(route.atMost);
    });
  }
});

describe('the access cache answers repeated requests without the database', () => {
  it('GET /access: no statement while the credential and the facts are cached', async () => {
    if (!h.gatehouse.deps.accessCache?.listening) throw new Error('the harness runs without the access cache');
    const path = `/v1/orgs/${large.slug}/access`;
    expect((await count(() => call(h, 'GET', path, { token: owner.token }))).length).toBe(2);
    expect(await count(() => call(h, 'GET', path, { token: owner.token }), { warm: true })).toEqual([]);
  });
});

describe('a sign-in is bounded by argon2, not by round trips to the database', () => {
  it('password (3 statements) and TOTP step (6 statements), no transaction', async () => {
    const user = await mfaUser(h);
    await h.advance(30);
    let pending = '';
    // The user, the claim of a guess, the session with the refund (CredentialQueries.startPasswordSession).
    const password = await count(async () => {
      const answer = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
      expect(answer.status).toBe(201);
      pending = answer.body.token;
    });
    // The credential, the user, the claim, the factors, the TOTP step, the rotation (CredentialQueries.rotatePendingSession).
    const step = await count(async () => {
      const answer = await call(h, 'POST', '/v1/sessions/current/mfa', {
        token: pending,
        body: { type: 'totp', code: totpCode({ secret: user.totpSecret!, now: h.gatehouse.deps.clock.now() }) },
      });
      expect(answer.status).toBe(200);
    });
    expect(password, password.join('\n')).toHaveLength(3);
    expect(step, step.join('\n')).toHaveLength(6);
    // Neither request opened a transaction (BEGIN/COMMIT are round trips too)…
    expect(transactions).toBe(0);
    // …which this counter would see: creating an organization is one.
    await count(() => call(h, 'POST', '/v1/orgs', { token: owner.token, body: { slug: uniqueSlug('counted'), name: 'Counted' } }));
    expect(transactions).toBe(1);
  });
});
