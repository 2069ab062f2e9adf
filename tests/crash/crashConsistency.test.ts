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
 * `npm test`: 5,000 members (30% without MFA), 3 kills while enforcing and 3 while delivering.
 * `npm run soak` (SOAK=1): 100,000 members, 5 and 5.
 */
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemRandom } from '../../src/core/random.ts';
import { totpCode } from '../../src/core/totp.ts';
import { PASSWORD, uniqueEmail } from '../helpers/flows.ts';
import { http, type ServerProcess } from '../helpers/serverProcess.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.ts';
import { createCrashWorld, type CrashWorld } from './crashWorld.ts';
import { classify, enforcementFacts, type EnforcementOutcome } from './enforcementFacts.ts';
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
 * Kill delays after the enforcement request was sent, from a fixed seed: spread over a little more
 * than the enforcement takes (about 0.5 ms per member on the CI machine), so that some kills land
 * before it starts, some inside its transaction and some after it commits — each must be all or nothing.
 */
function enforceKillDelays(): number[] {
  const estimateMs = 200 + MEMBERS * 0.5;
  const fractions = fc.sample(fc.double({ min: 0.05, max: 1.2, noNaN: true }), { seed: SEED, numRuns: ENFORCE_KILLS });
  return fractions.map((fraction) => Math.round(fraction * estimateMs));
}

/** Kill points during delivery: how many of the rejoin mails have arrived, from a fixed seed. */
function deliveryKillPoints(total: number): number[] {
  const points = fc.sample(fc.integer({ min: 1, max: total - 1 }), { seed: SEED + 1, numRuns: DELIVERY_KILLS });
  return [...new Set(points)].sort((a, b) => a - b);
}

/** Message-IDs of the rejoin mails the SMTP server accepted, and what to do at the next acceptance. */
const rejoins = new Set<string>();
let onAccepted: (() => void) | null = null;
const rejoinsArrived = (): number => rejoins.size;

const enforce = (server: ServerProcess): Promise<{ status: number; body: any } | { error: string }> =>
  http(server.url, 'PUT', `/v1/orgs/${SLUG}/mfa-enforcement`, { token, body: { confirm: 'ENFORCE', noncompliant_action: 'remove' } }).catch((error: unknown) => ({
    error: String(error),
  }));

it(`enforcing \`remove\` on ${MEMBERS} members and delivering its mail survive SIGKILL at random points (seed ${SEED})`, async () => {
  const log: string[] = [];
  const started = Date.now();
  const stamp = (line: string): void => {
    log.push(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
    // The soak runs for many minutes: show where it is as it goes.
    if (SOAK) console.log(`crash consistency: ${log.at(-1)}`);
  };
  let kills = 0;
  let outboxIds: string[] = [];
  const check = (): Promise<{ outcome: EnforcementOutcome; outbox: { id: string; sent: boolean }[] }> =>
    world.withDatabase(async (db) => {
      const facts = await enforcementFacts(db, SLUG);
      outboxIds = facts.outbox.map((row) => row.id);
      return { outcome: classify(facts, expected), outbox: facts.outbox };
    });

  // 1. Kill the server while it enforces.
  let outcome: EnforcementOutcome = 'nothing';
  for (const delayMs of enforceKillDelays()) {
    const server = await world.start();
    stamp('started');
    const request = enforce(server);
    await sleep(delayMs);
    await world.stop(server, 'SIGKILL');
    kills += 1;
    const answer = await request;
    outcome = (await check()).outcome;
    stamp(`kill ${delayMs} ms after PUT: ${'status' in answer ? `answered ${answer.status}` : 'no answer'}; found ${outcome}`);
    if ('status' in answer) {
      expect(answer.status).toBe(200);
      expect(outcome).toBe('all');
    }
    if (outcome === 'all') break;
  }

  // 2. Restart and let it finish (the client retries its PUT; a completed one changes nothing).
  let server = await world.start();
  stamp('started');
  const retryStarted = Date.now();
  const retried = await enforce(server);
  expect('status' in retried && retried.status).toBe(200);
  stamp(`retried PUT: ${'status' in retried ? retried.status : 'no answer'} in ${Date.now() - retryStarted} ms (moved ${'status' in retried ? retried.body.pending.length : 0} now)`);

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
    stamp(`kill after ${rejoinsArrived()}/${expected.withoutMfa.length} rejoin mails arrived: ${state.outbox.filter((row) => row.sent).length}/${state.outbox.length} outbox rows marked sent`);
    server = await world.start();
    stamp('started');
    restarts += 1;
    void http(server.url, 'POST', '/v1/test/clock', { body: { advance_seconds: restarts * 3_600 } }).catch(() => undefined);
  }

  // 4. Let delivery finish (every row the last check saw, at the SMTP server), stop cleanly, and count.
  const messageIds = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const mail of smtp.received) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
    return counts;
  };
  const idOf = (outboxId: string): string => `<${outboxId}@gatehouse.test>`;
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
  stamp(`delivered ${counts.size} distinct messages in ${smtp.received.length} deliveries: ${duplicates} sent twice, after ${kills} kills`);
  console.log(`crash consistency (${world.kind}, ${MEMBERS} members, seed ${SEED}):\n  ${log.join('\n  ')}`);
  expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  expect(duplicates).toBeLessThanOrEqual(kills);
}, SOAK ? 6 * 3_600_000 : 600_000);
