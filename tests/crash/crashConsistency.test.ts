/**
 * Threat: the server dies (OOM killer, power, a deploy's SIGKILL) in the middle of enforcing
 * `remove` on a large organization, or while the outbox is handing rejoin mails to the SMTP
 * server, and comes back with enforcement half applied (some members moved, others not; events
 * or mails missing), with mail lost, or with mail sent twice.
 * Rule: enforcement moves everyone, writes their events and queues their mails in one transaction
 * (all or nothing at every kill); the outbox claims a row, sends it, then marks it sent, so every
 * row is eventually sent (a claim of a dead process expires) and at most the one message in
 * flight at a kill — accepted by the SMTP server, not yet marked — is sent again, with the same
 * Message-ID. The SMTP server here counts every delivery per Message-ID.
 *
 * The kills are placed on what is observed of the work, and the test records where each one
 * landed, from evidence, and requires at least one inside the enforcement transaction (a write of
 * it seen before the kill, nothing of it committed after) and one while the outbox delivered (the
 * killed process had mail accepted, rows were left to send). It also counts, per kill, the mail
 * caught accepted but not marked sent, and requires every message to have arrived once, plus once
 * for each kill that caught it.
 *
 * `npm test`: 5,000 members (30% without MFA), 3 kills while enforcing and 3 while delivering.
 * `npm run soak` (SOAK=1): 100,000 members, 5 and 5.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemRandom } from '../../src/core/random.ts';
import { totpCode } from '../../src/core/totp.ts';
import { PASSWORD, uniqueEmail } from '../helpers/flows.ts';
import { http, type ServerProcess } from '../helpers/serverProcess.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.ts';
import { createCrashWorld, type CrashWorld } from './crashWorld.ts';
import { classify, enforcementFacts, type EnforcementOutcome } from './enforcementFacts.ts';
import { watchEnforcement } from './enforcementSignals.ts';
import { watchWrites } from './writeWatch.ts';
import { seedLargeOrg } from './seedLargeOrg.ts';

const SOAK = process.env.SOAK === '1';
const MEMBERS = Number(process.env.CRASH_MEMBERS ?? (SOAK ? 100_000 : 5_000));
const ENFORCE_KILLS = SOAK ? 5 : 3;
const DELIVERY_KILLS = SOAK ? 5 : 3;
const SEED = Number(process.env.CRASH_SEED ?? 6_6_2025);
const SLUG = 'crash-big-org';

let smtp: SmtpSink;
let world: CrashWorld;
let token: string;
let expected: { withoutMfa: string[]; emails: Map<string, string> };

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = SOAK ? 3_600_000 : 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  smtp = await startSmtpSink({
    onAccepted: (mail) => {
      if (mail.subject === 'Mandatory: Enable Two-Factor Authentication') rejoins.add(mail.messageId);
      deliveries.push(mail.messageId);
      onAccepted?.();
    },
  });
  world = await createCrashWorld({ smtpUrl: smtp.url, startTimeoutMs: SOAK ? 600_000 : 60_000 });
  // The owner and the organization through the API, as an administrator would set them up.
  const server = await world.start();
  const email = uniqueEmail('crash-owner');
  await http(server.url, 'POST', '/v1/users', { body: { email, password: PASSWORD } });
  const session = await http(server.url, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  const enrollment = await http(server.url, 'POST', '/v1/me/mfa/totp', { token: session.body.token, body: {} });
  const confirmed = await http(server.url, 'POST', `/v1/me/mfa/totp/${enrollment.body.factor_id}/confirm`, {
    token: session.body.token,
    body: { code: totpCode({ secret: enrollment.body.secret, now: new Date() }) },
  });
  token = confirmed.body.token;
  expect((await http(server.url, 'POST', '/v1/orgs', { token, body: { slug: SLUG, name: 'Crash Test Org' } })).status).toBe(201);
  await waitUntil(() => smtp.received.some((mail) => mail.to.includes(email.toLowerCase())), 'the factor-change mail of the owner');
  await world.stop(server, 'SIGTERM');
  // The members straight into the database, while no server has it open.
  expected = await world.withDatabase(async (db) => {
    const org = await db.selectFrom('orgs').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow();
    return seedLargeOrg(db, { orgId: org.id, members: MEMBERS, withoutMfaShare: 0.3, random: systemRandom, now: new Date() });
  });
}, SOAK ? 3_600_000 : 180_000);

afterAll(async () => {
  await world?.dispose();
  await smtp?.close();
});

/**
 * Where each kill of the enforcement phase lands, planned from a fixed seed and placed on what is
 * observed of the work as it happens (tests/crash/writeWatch.ts), never on a guess of its speed:
 * delays guessed from 0.5 ms per member landed before or after the transaction, never inside it.
 * The yardstick is the request's reading part, measured in the same attempt: from sending the PUT
 * to the transaction's first write (locking the organization, listing the members without MFA).
 * The writing part (the rounds of moves and mails, the audit events) took between about as long
 * (an attempt after a killed one reads slower) and 3 times as long in the measurements, on PGlite
 * and PostgreSQL, with 5,000 and 100,000 members.
 * - `write`: at the first write, plus `after` (0 to 0.5; 0 to 0.25 for the first kill) × the
 *   reading part: inside the transaction, with memberships and mails written and not committed.
 * - `read`: `at` (0.1 to 0.9) of the reading part as the previous attempt measured it, after
 *   sending the PUT: while the request reads, before it writes.
 * - `late`: at the first write, plus `after` (0.5 to 3) × the reading part: late in the writing,
 *   in the commit, or after it (the server then delivers the mails).
 * The first plan is always `write`, so every run has a kill aimed inside the transaction; the last is `late`.
 */
type EnforceKillPlan = { kind: 'write'; after: number } | { kind: 'read'; at: number } | { kind: 'late'; after: number };

function enforceKillPlans(): EnforceKillPlan[] {
  // Uniform shares: fast-check's doubles are spread over representations (most lie near 0) and
  // its default bias favours the ends of ranges.
  const draws = fc
    .sample(fc.noBias(fc.record({ kind: fc.integer({ min: 0, max: 3 }), permille: fc.integer({ min: 0, max: 1000 }) })), { seed: SEED, numRuns: ENFORCE_KILLS })
    // One in four of the kills between the first and the last while the request reads; the others while it writes.
    .map((draw) => ({ read: draw.kind === 0, share: draw.permille / 1000 }));
  return draws.map((draw, index): EnforceKillPlan => {
    if (index === draws.length - 1) return { kind: 'late', after: 0.5 + draw.share * 2.5 };
    if (index === 0) return { kind: 'write', after: draw.share * 0.25 };
    if (draw.read) return { kind: 'read', at: 0.1 + draw.share * 0.8 };
    return { kind: 'write', after: draw.share * 0.5 };
  });
}

const describePlan = (plan: EnforceKillPlan): string =>
  plan.kind === 'read' ? `read: ${(plan.at * 100).toFixed(0)}% into the reading part` : `${plan.kind}: first write + ${(plan.after * 100).toFixed(0)}% of the reading part`;

/** Where a kill landed, from evidence: writes of the transaction seen before it, and the database after it. */
type Landing = 'before it wrote' | 'mid-enforcement' | 'after the commit';

/** Kill points during delivery: how many of the rejoin mails have arrived, from a fixed seed. */
function deliveryKillPoints(total: number): number[] {
  const points = fc.sample(fc.noBias(fc.integer({ min: 1, max: total - 1 })), { seed: SEED + 1, numRuns: DELIVERY_KILLS });
  return [...new Set(points)].sort((a, b) => a - b);
}

/** Message-IDs of the rejoin mails the SMTP server accepted, and what to do at the next acceptance. */
const rejoins = new Set<string>();
let onAccepted: (() => void) | null = null;
const rejoinsArrived = (): number => rejoins.size;
/** Message-IDs the SMTP server accepted from the server process running now (or killed last). */
let deliveries: string[] = [];

const ENFORCEMENT_PATH = `/v1/orgs/${SLUG}/mfa-enforcement`;
const enforce = (server: ServerProcess): Promise<{ status: number; body: any } | { error: string }> =>
  http(server.url, 'PUT', ENFORCEMENT_PATH, { token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove' } }).catch((error: unknown) => ({
    error: String(error),
  }));

/** What one kill did, from evidence; `resent`: mails it caught accepted by the SMTP server but not marked sent. */
interface KillRecord {
  phase: 'enforcing' | 'delivering';
  landed: Landing | 'mid-delivery' | 'after delivery';
  resent: string[];
}

it(`enforcing \`remove\` on ${MEMBERS} members and delivering its mail survive SIGKILL at random points (seed ${SEED})`, async () => {
  const log: string[] = [];
  const started = Date.now();
  const stamp = (line: string): void => {
    log.push(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
    // The soak runs for many minutes: show where it is as it goes.
    if (SOAK) console.log(`crash consistency: ${log.at(-1)}`);
  };
  const killRecords: KillRecord[] = [];
  let kills = 0;
  let outboxIds: string[] = [];
  const idOf = (outboxId: string): string => `<${outboxId}@gatehouse.test>`;
  const check = (): Promise<{ outcome: EnforcementOutcome; outbox: { id: string; sent: boolean }[] }> =>
    world.withDatabase(async (db) => {
      const facts = await enforcementFacts(db, SLUG);
      outboxIds = facts.outbox.map((row) => row.id);
      return { outcome: classify(facts, expected), outbox: facts.outbox };
    });
  const start = async (): Promise<ServerProcess> => {
    deliveries = [];
    const server = await world.start();
    stamp('started');
    return server;
  };
  /** The killed process's mails that the SMTP server accepted and the database does not mark sent: each will be sent again. */
  const caughtInFlight = (outbox: { id: string; sent: boolean }[]): string[] => {
    const unsent = new Set(outbox.filter((row) => !row.sent).map((row) => idOf(row.id)));
    return [...new Set(deliveries)].filter((id) => unsent.has(id));
  };

  // 1. Kill the server while it enforces, at points planned from the seed and placed on what is seen of its writing.
  let outcome: EnforcementOutcome = 'nothing';
  let readMs: number | null = null;
  for (const plan of enforceKillPlans()) {
    const server = await start();
    const writes = await watchWrites(world);
    const signals = watchEnforcement(server, ENFORCEMENT_PATH);
    let killedAt: number | null = null;
    let seenAtKill = '';
    const kill = (): void => {
      if (killedAt !== null) return;
      killedAt = performance.now();
      seenAtKill = writes.seen;
      server.child.kill('SIGKILL');
    };
    const timers: NodeJS.Timeout[] = [];
    const killIn = (ms: number): void => {
      if (ms <= 0) kill();
      else timers.push(setTimeout(kill, ms));
    };
    const sentAt = performance.now();
    // The first kill is never `read`: a previous attempt has measured the reading part.
    if (plan.kind === 'read') killIn(plan.at * (readMs ?? 0));
    writes.onWrite(() => {
      if (plan.kind !== 'read') killIn(plan.after * (writes.wroteAt! - sentAt));
    });
    // A kill resets the connection; an answer means the planned point never came: kill now.
    const answer = await enforce(server);
    kill();
    for (const timer of timers) clearTimeout(timer);
    await writes.stop();
    await world.stop(server, 'SIGKILL');
    signals.stop();
    kills += 1;
    const state = await check();
    outcome = state.outcome;
    if (writes.wroteAt !== null) readMs = writes.wroteAt - sentAt;
    // Evidence only from before the kill: a write seen (or, where the log keeps up, a round logged).
    const wroteBefore = writes.wroteAt !== null && writes.wroteAt <= killedAt!;
    const roundsBefore = signals.rounds.filter((round) => round.at <= killedAt!);
    const landed: Landing = outcome === 'all' ? 'after the commit' : wroteBefore || roundsBefore.length > 0 ? 'mid-enforcement' : 'before it wrote';
    const resent = caughtInFlight(state.outbox);
    killRecords.push({ phase: 'enforcing', landed, resent });
    const lastRound = roundsBefore.at(-1);
    stamp(
      `kill (${describePlan(plan)}) ${(killedAt! - sentAt).toFixed(0)} ms after the PUT, ` +
        `${wroteBefore ? `${(killedAt! - writes.wroteAt!).toFixed(0)} ms after its first write (${seenAtKill})` : 'no write seen'}` +
        `${lastRound ? `, ${roundsBefore.length} round(s) logged (${lastRound.checked}/${lastRound.total} members)` : ''}: ` +
        `${'status' in answer ? `answered ${answer.status}` : 'no answer'}; found ${outcome}: landed ${landed}; ${resent.length} mail(s) to resend`,
    );
    if ('status' in answer) {
      expect(answer.status).toBe(200);
      expect(outcome).toBe('all');
    }
    if (outcome === 'all') break;
  }

  // 2. Restart and let it finish (the client retries its PUT; a completed one changes nothing).
  let server = await start();
  const retryWrites = await watchWrites(world);
  const retryStarted = performance.now();
  const retried = await enforce(server);
  const retryAnswered = performance.now();
  await retryWrites.stop();
  expect('status' in retried && retried.status).toBe(200);
  stamp(
    `retried PUT: ${'status' in retried ? retried.status : 'no answer'} in ${(retryAnswered - retryStarted).toFixed(0)} ms ` +
      `(moved ${'status' in retried ? retried.body.pending.length : 0} now` +
      `${retryWrites.wroteAt !== null ? `; first write after ${(retryWrites.wroteAt - retryStarted).toFixed(0)} ms` : ''})`,
  );

  // 3. Kill the server while its outbox delivers the rejoin mails, each time right after the SMTP
  // server accepted one: the worst moment, between the server's "250 OK" and the commit that
  // marks the row sent. Each restart moves the test clock past the leases the dead process held,
  // as the passing of a minute would, without waiting for the request to answer.
  let restarts = 0;
  for (const point of deliveryKillPoints(expected.withoutMfa.length)) {
    const victim = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${rejoinsArrived()} of ${point} rejoin mails arrived`)), SOAK ? 3_600_000 : 240_000);
      onAccepted = () => {
        if (rejoinsArrived() < point) return;
        onAccepted = null;
        victim.child.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      };
      // Delivery may already have passed this point while the server restarted.
      onAccepted();
    });
    await world.stop(victim, 'SIGKILL');
    kills += 1;
    const state = await check();
    expect(state.outcome).toBe('all');
    // Mid-delivery: this process had the SMTP server accept mail, and left rows to send.
    const unsent = state.outbox.filter((row) => !row.sent).length;
    const landed = deliveries.length > 0 && unsent > 0 ? 'mid-delivery' : 'after delivery';
    const resent = caughtInFlight(state.outbox);
    killRecords.push({ phase: 'delivering', landed, resent });
    stamp(
      `kill after ${rejoinsArrived()}/${expected.withoutMfa.length} rejoin mails arrived (${deliveries.length} from this process): ` +
        `${state.outbox.length - unsent}/${state.outbox.length} outbox rows marked sent: landed ${landed}; ${resent.length} mail(s) to resend`,
    );
    server = await start();
    restarts += 1;
    void http(server.url, 'POST', '/v1/test/clock', { body: { advance_seconds: restarts * 3_600 } }).catch(() => undefined);
  }

  // 4. Let delivery finish (every row the last check saw, at the SMTP server), stop cleanly, and count.
  const messageIds = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const mail of smtp.received) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
    return counts;
  };
  // One count per poll, not one per row: 30,000 rows × 30,000 deliveries per poll starved the
  // SMTP sink, which shares this event loop, and delivery crawled.
  await waitUntil(() => {
    const arrived = messageIds();
    return outboxIds.every((id) => arrived.has(idOf(id)));
  }, 'every outbox row at the SMTP server');
  await world.stop(server, 'SIGTERM');
  const last = await check();
  expect(last.outcome).toBe('all');

  // No mail lost: every row is marked sent and arrived. None sent twice, except what a kill
  // caught between the SMTP server's acceptance and the commit of "sent": at most one per kill.
  expect(last.outbox.filter((row) => !row.sent)).toEqual([]);
  const counts = messageIds();
  expect(last.outbox.filter((row) => !counts.has(idOf(row.id)))).toEqual([]);
  const known = new Set(last.outbox.map((row) => idOf(row.id)));
  expect([...counts.keys()].filter((id) => !known.has(id))).toEqual([]);
  const duplicates = [...counts.values()].filter((count) => count > 1).length;
  const landings = new Map<string, number>();
  for (const record of killRecords) landings.set(`${record.phase}: ${record.landed}`, (landings.get(`${record.phase}: ${record.landed}`) ?? 0) + 1);
  stamp(`delivered ${counts.size} distinct messages in ${smtp.received.length} deliveries: ${duplicates} sent twice, after ${kills} kills`);
  stamp(`kills landed: ${[...landings].map(([where, count]) => `${count} ${where}`).join(', ')}; mails resent per kill: ${killRecords.map((record) => record.resent.length).join(', ')}`);
  console.log(`crash consistency (${world.kind}, ${MEMBERS} members, seed ${SEED}):\n  ${log.join('\n  ')}`);
  expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  expect(duplicates).toBeLessThanOrEqual(kills);
  // Exactly: a message arrived once, plus once for every kill that caught it accepted but not
  // marked sent, and a kill catches at most the one message in flight.
  expect(killRecords.filter((record) => record.resent.length > 1)).toEqual([]);
  const caughtBy = new Map<string, number>();
  for (const record of killRecords) for (const id of record.resent) caughtBy.set(id, (caughtBy.get(id) ?? 0) + 1);
  const miscounted = [...known]
    .map((id) => ({ id, arrived: counts.get(id) ?? 0, expected: 1 + (caughtBy.get(id) ?? 0) }))
    .filter((row) => row.arrived !== row.expected);
  expect(miscounted).toEqual([]);

  // The kills landed where this test is about: at least one inside the enforcement transaction
  // (a write of it seen before the kill, nothing of it committed after) and one while the outbox
  // delivered (the killed process had mail accepted and left rows to send).
  expect(killRecords.filter((record) => record.landed === 'mid-enforcement').length).toBeGreaterThanOrEqual(1);
  expect(killRecords.filter((record) => record.landed === 'mid-delivery').length).toBeGreaterThanOrEqual(1);
}, SOAK ? 6 * 3_600_000 : 600_000);
