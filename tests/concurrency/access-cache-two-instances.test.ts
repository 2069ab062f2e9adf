/**
 * Threat: the write barrier that makes the access cache strict across instances
 * (src/db/accessBarrier.ts) waits for nobody, or waits for ever: a partitioned, stalled or killed
 * instance either keeps serving a revoked credential from its cache, or holds every write.
 * Rule: a write waits for each other registered instance until it acknowledges the change, or
 * until it provably serves nothing cached from before it (BARRIER_BOUND_MS), or until its lease
 * lapsed — after which writes evict it and no longer wait for it (src/db/accessTimings.ts). Jobs
 * wait like requests. Nothing here asserts a duration: waits are for conditions, and what the
 * test checks is who the barrier waited for and how each wait ended (its counters).
 * Always PostgreSQL (several instances share one database only there); B reaches it through a
 * proxy that adds latency or cuts the link.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import { hashToken } from '../../src/core/tokens.ts';
import type { AccessBarrier, BarrierStats } from '../../src/db/accessBarrier.ts';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp, type TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { addMember, createOrg, uniqueSlug } from '../helpers/orgFlows.ts';
import { startServerProcess } from '../helpers/serverProcess.ts';
import { accessOn, cachedAccessOn, startTwoInstances, type TwoInstances } from './twoInstances.ts';

const LATENCY_MS = 20;
// Long enough for the grace-period case to move the test clock past a day without ending sessions.
const ENV = { GATEHOUSE_SESSION_IDLE_SECONDS: '86400', GATEHOUSE_SESSION_ABSOLUTE_SECONDS: '2592000' };

let pair: TwoInstances;
let a: Harness;
let b: Gatehouse;
let owner: TestUser;
let barrierA: AccessBarrier;

beforeAll(async () => {
  pair = await startTwoInstances(ENV, { proxyB: true });
  ({ a, b } = pair);
  pair.proxy!.setLatency(LATENCY_MS);
  barrierA = a.gatehouse.deps.accessBarrier!;
  owner = await mfaUser(a);
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

/** What the barrier of A did during `work`. */
async function counted(work: () => Promise<unknown>): Promise<BarrierStats> {
  const before = { ...barrierA.stats };
  await work();
  const after = barrierA.stats;
  return {
    rounds: after.rounds - before.rounds,
    waited: after.waited - before.waited,
    bounded: after.bounded - before.bounded,
    evicted: after.evicted - before.evicted,
    failed: after.failed - before.failed,
    unattributed: after.unattributed - before.unattributed,
  };
}

async function registered(): Promise<{ id: string; lapsed: boolean; applied_seq: number }[]> {
  const { rows } = await sql<{ id: string; lapsed: boolean; applied_seq: number }>`
    select id, alive_until <= clock_timestamp() as lapsed, applied_seq from access_cache_instances order by id`.execute(a.gatehouse.deps.db);
  return rows;
}

const idOf = (instance: Gatehouse): string => instance.deps.accessBarrier!.instanceId;

/** Signs out `user`'s session through A: a write that changes access facts. */
async function signOutThroughA(user: TestUser): Promise<void> {
  expect((await call(a, 'DELETE', '/v1/sessions/current', { token: user.token })).status).toBe(204);
}

it('a write through A waits for B to acknowledge it; a read waits for nobody', async () => {
  const user = await signUp(a);
  const slug = await createOrg(a, user, uniqueSlug());
  expect((await cachedAccessOn(b, user, slug, pair)).status).toBe(200);
  expect(await counted(() => accessOn(a.gatehouse, user, slug))).toMatchObject({ rounds: 0 });
  const write = await counted(() => signOutThroughA(user));
  expect(write).toEqual({ rounds: 1, waited: 1, bounded: 0, evicted: 0, failed: 0, unattributed: 0 });
  expect((await accessOn(b, user, slug)).status).toBe(401);
});

it('B cut off from PostgreSQL: A’s write waits until B serves nothing cached, B then refuses, and rejoins the barrier once healed', async () => {
  const user = await signUp(a);
  const slug = await createOrg(a, user, uniqueSlug());
  const cache = b.deps.accessCache!;
  expect((await cachedAccessOn(b, user, slug, pair)).status).toBe(200);

  pair.proxy!.pause();
  try {
    // B hears nothing from now on, neither the revocation nor anything else, and cannot acknowledge.
    const write = await counted(() => signOutThroughA(user));
    expect(write.waited).toBe(1);
    expect(write.bounded + write.evicted, 'the wait ended by the bound or by B’s lapsed lease, not by an acknowledgement').toBe(1);
    // B never heard of the revocation, yet serves nothing from its cache: a read goes to the database.
    expect(cache.listening).toBe(false);
    let loads = 0;
    await cache.credential(hashToken(user.token), async () => ((loads += 1), undefined));
    expect(loads).toBe(1);

    // Once B's lease has lapsed, the next write evicts it and waits for nobody.
    await vi.waitFor(async () => expect((await registered()).find((row) => row.id === idOf(b))?.lapsed).toBe(true), { timeout: 15_000, interval: 100 });
    const afterLapse = await counted(() => signUp(a).then(signOutThroughA));
    expect(afterLapse).toMatchObject({ waited: 0, bounded: 0, evicted: 1 });
    expect((await registered()).map((row) => row.id)).toEqual([idOf(a.gatehouse)]);
  } finally {
    pair.proxy!.resume();
  }

  // Healed: B listens again, registers afresh, starts from an empty cache, and refuses.
  await vi.waitFor(() => expect(cache.listening).toBe(true), { timeout: 15_000, interval: 50 });
  expect((await registered()).map((row) => row.id).sort()).toEqual([idOf(a.gatehouse), idOf(b)].sort());
  expect((await accessOn(b, user, slug)).status).toBe(401);
  const again = await signUp(a);
  expect((await counted(() => signOutThroughA(again))).waited).toBe(1);
});

it('a killed instance holds writes no longer than its lease, then not at all', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-killed-'));
  const third = await startServerProcess({ DATABASE_URL: pair.databaseUrl, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: pair.secretKey });
  try {
    await vi.waitFor(async () => expect(await registered()).toHaveLength(3), { timeout: 15_000, interval: 50 });
    const thirdId = (await registered()).map((row) => row.id).find((id) => id !== idOf(a.gatehouse) && id !== idOf(b))!;
    // Alive, it acknowledges like B.
    const alive = await counted(() => signUp(a).then(signOutThroughA));
    expect(alive.waited).toBeGreaterThan(0);
    expect(alive.bounded).toBe(0);

    const user = await signUp(a);
    await third.stop('SIGKILL');
    // Its row stays (nobody deregistered it): this write waits for it — until the bound, or until its lease lapsed.
    const whileLeased = await counted(() => signOutThroughA(user));
    expect(whileLeased.waited).toBe(1);
    expect(whileLeased.bounded + whileLeased.evicted).toBe(1);

    await vi.waitFor(async () => expect((await registered()).find((row) => row.id === thirdId)?.lapsed ?? true).toBe(true), { timeout: 15_000, interval: 100 });
    // Lapsed (if no write has evicted it yet): the next writes wait for B alone, and B acknowledges.
    const afterLapse = await counted(() => signUp(a).then(signOutThroughA));
    expect(afterLapse.waited).toBeGreaterThan(0);
    expect(afterLapse.bounded).toBe(0);
    expect((await registered()).map((row) => row.id)).not.toContain(thirdId);
  } finally {
    await third.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('an instance that shuts down leaves the table: writes stop waiting for it at once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-closing-'));
  try {
    const config = parseConfig({ DATABASE_URL: pair.databaseUrl, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: pair.secretKey, ...ENV });
    const third = await createGatehouse(config, { logger: pino({ level: 'silent' }), startJobs: false });
    expect((await registered()).map((row) => row.id)).toContain(idOf(third));
    await third.close();
    expect((await registered()).map((row) => row.id)).not.toContain(idOf(third));
    const after = await counted(() => signUp(a).then(signOutThroughA));
    expect(after.waited).toBeGreaterThan(0);
    expect(after.bounded).toBe(0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a job’s writes (the grace sweep moving members to pending) finish only once B has applied them', async () => {
  const slug = await createOrg(a, owner, uniqueSlug());
  const member = await addMember(a, owner, slug, 'member');
  const enforced = await call(a, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove', grace_period_days: 1 } });
  expect(enforced.status, JSON.stringify(enforced.body)).toBe(200);
  // Past the grace period on both instances' clocks, touching the session halfway so it stays alive.
  const advance = (seconds: number): void => {
    a.gatehouse.testClock!.advance(seconds);
    b.testClock!.advance(seconds);
  };
  advance(13 * 3600);
  expect((await accessOn(a.gatehouse, member, slug)).body.allowed).toBe(true);
  advance(12 * 3600);
  // B holds the membership, still active, in its cache: refused for lack of MFA, not yet pending.
  expect((await cachedAccessOn(b, member, slug, pair)).body.code).toBe('mfa_enrollment_required');

  // The sweep, as the job runner starts it (no request around it), then the other jobs (mail):
  // B's link slower than all of them, so that only waiting for B can explain B knowing.
  pair.proxy!.setLatency(500);
  try {
    await a.gatehouse.jobs.runAll();
  } finally {
    pair.proxy!.setLatency(LATENCY_MS);
  }
  expect((await accessOn(b, member, slug)).body.code).toBe('membership_pending');
});
