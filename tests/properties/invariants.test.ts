/**
 * Threat: an organization that enforces MFA ends up, through some ordinary sequence of actions,
 * with a member who gets in without MFA, with no owner able to get in, with a member reinstated
 * to a role they never had, with a change nobody can see in the audit log, or with a rejoin mail
 * lost or sent twice. Rule: I1–I5 (issue 6) hold after every step of random sequences of sign-ups,
 * factor changes, invitations, role changes, ownership transfers, enforcement in each mode with
 * and without grace, reminders, reinstatements and clock moves of up to 100 days — all through
 * the HTTP API, checked from the database after each step (tests/properties/invariants.ts).
 *
 * `npm test` runs PROPERTY_RUNS sequences (default 200) from a fixed seed; `npm run soak` runs
 * 10,000. A failure prints the seed and path to replay (PROPERTY_SEED, PROPERTY_PATH) and the
 * shrunk sequence with every step it took.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/crypto/passwordHash.ts';
import { PASSWORD } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { runOp } from './driver.ts';
import { InvariantChecker } from './invariants.ts';
import { newSim, seedUser } from './model.ts';
import { opArb, setupArb, setupOps, type Op } from './operations.ts';
import { takeSnapshot } from './snapshot.ts';

const SOAK = process.env.SOAK === '1';
const RUNS = Number(process.env.PROPERTY_RUNS ?? (SOAK ? 10_000 : 200));
const SEED = Number(process.env.PROPERTY_SEED ?? 6_2025);
const PATH = process.env.PROPERTY_PATH;
const MAX_OPS = 14;

let h: Harness;
let passwordHash: string;
beforeAll(async () => {
  h = await startHarness();
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(async () => {
  await h?.close();
});

it(`I1–I5 hold after every step of ${RUNS} random operation sequences (seed ${SEED})`, async () => {
  const checker = new InvariantChecker();
  let sequences = 0;
  /** What the sequences did, so a reader can see that the interesting cases happen at all. */
  const outcomes = new Map<string, number>();
  const property = fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: MAX_OPS }), async (setup, ops) => {
    sequences += 1;
    const sim = newSim(h, passwordHash);
    await checker.start(sim);
    for (let index = 0; index <= setup.members.length; index += 1) await seedUser(sim);
    const steps: Op[] = [{ kind: 'createOrg', user: 0 }, ...setupOps(setup), ...ops];
    const log: string[] = [];
    let before = await takeSnapshot(sim);
    for (const op of steps) {
      try {
        const outcome = await runOp(sim, op, before);
        log.push(`${outcome.label} → ${outcome.main ? `${outcome.main.status} ${outcome.main.body?.code ?? ''}` : 'no call'}`);
        const kind = op.kind === 'enforce' ? `enforce-${op.mode}${op.graceDays !== null ? '+grace' : ''}` : op.kind;
        const key = `${kind} ${outcome.main ? (outcome.main.body?.code ?? outcome.main.status) : '-'}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        before = await checker.afterStep(sim, before, outcome);
      } catch (error) {
        if (error instanceof Error) error.message += `\n  steps:\n    ${log.join('\n    ')}`;
        throw error;
      }
    }
    if (process.env.PROPERTY_LOG === '1') console.log(`sequence ${sequences}:\n  ${log.join('\n  ')}`);
  });
  await fc.assert(property, { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), endOnFailure: process.env.PROPERTY_SHRINK === '0', verbose: 1 });
  console.log(`invariants: ${sequences} sequences, ${checker.steps} steps checked (seed ${SEED}); seen ${JSON.stringify(checker.seen)}`);
  console.log(`outcomes: ${[...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`).join(', ')}`);
  expect(sequences).toBe(RUNS);
}, SOAK ? 6 * 3_600_000 : 600_000);
