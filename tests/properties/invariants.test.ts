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
 * 10,000 and prints a progress line every 500 (PROPERTY_PROGRESS sets the interval). A failure
 * prints the seed and path to replay (PROPERTY_SEED, PROPERTY_PATH) and the shrunk sequence with
 * every step it took.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/crypto/passwordHash.ts';
import { PASSWORD } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { runOp, type StepOutcome } from './driver.ts';
import { InvariantChecker } from './invariants.ts';
import { newSim, seedUser } from './model.ts';
import { opArb, setupArb, setupOps, type Op } from './operations.ts';
import { takeSnapshot } from './snapshot.ts';

const SOAK = process.env.SOAK === '1';
const RUNS = Number(process.env.PROPERTY_RUNS ?? (SOAK ? 10_000 : 200));
const SEED = Number(process.env.PROPERTY_SEED ?? 6_2025);
const PATH = process.env.PROPERTY_PATH;
const MAX_OPS = 14;
const PROGRESS_EVERY = Number(process.env.PROPERTY_PROGRESS ?? (SOAK ? 500 : 0));
/**
 * Sequences share a harness, but only this many: earlier sequences' rows stay behind, every clock
 * move sweeps their organizations, and the embedded database never vacuums, so the outbox's
 * index of unsent rows fills with dead entries that every delivery run and every check then
 * reads. On one database for the whole soak a sequence cost about three times as much by its
 * 3,000th; with a fresh database every 100 the cost stays flat (a start is well under a second).
 */
const SEQUENCES_PER_HARNESS = 100;

let h: Harness | null = null;
let harnessSequences = 0;
let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(async () => {
  await h?.close();
});

/** The harness for the next sequence: the current one, or a fresh one once it has run SEQUENCES_PER_HARNESS. */
async function harnessForSequence(): Promise<Harness> {
  if (h && harnessSequences < SEQUENCES_PER_HARNESS) {
    harnessSequences += 1;
    return h;
  }
  // Forgotten before it closes: should the new one fail to start, the next sequence tries again.
  const previous = h;
  h = null;
  await previous?.close();
  h = await startHarness();
  harnessSequences = 1;
  return h;
}

it(`I1–I5 hold after every step of ${RUNS} random operation sequences (seed ${SEED})`, async () => {
  const checker = new InvariantChecker();
  let sequences = 0;
  /** What the sequences did, so a reader can see that the interesting cases happen at all. */
  const outcomes = new Map<string, number>();
  const started = performance.now();
  let lap = started;
  const property = fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: MAX_OPS }), async (setup, ops) => {
    sequences += 1;
    const sim = newSim(await harnessForSequence(), passwordHash);
    await checker.start(sim);
    for (let index = 0; index <= setup.members.length; index += 1) await seedUser(sim);
    const steps: Op[] = [{ kind: 'createOrg', user: 0 }, ...setupOps(setup), ...ops];
    const log: string[] = [];
    let before = await takeSnapshot(sim);
    /** Every call that carries an operation's meaning is a step: logged, counted, then checked. */
    const check = async (kind: string, outcome: StepOutcome): Promise<void> => {
      log.push(`${outcome.label} → ${outcome.main ? `${outcome.main.status} ${outcome.main.body?.code ?? ''}` : 'no call'}`);
      const key = `${kind} ${outcome.main ? (outcome.main.body?.code ?? outcome.main.status) : '-'}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      before = await checker.afterStep(sim, before, outcome);
    };
    for (const op of steps) {
      try {
        const kind = op.kind === 'enforce' ? `enforce-${op.mode}${op.graceDays !== null ? '+grace' : ''}` : op.kind;
        await check(kind, await runOp(sim, op, before, check));
      } catch (error) {
        if (error instanceof Error) error.message += `\n  steps:\n    ${log.join('\n    ')}`;
        throw error;
      }
    }
    if (process.env.PROPERTY_LOG === '1') console.log(`sequence ${sequences}:\n  ${log.join('\n  ')}`);
    if (PROGRESS_EVERY > 0 && sequences % PROGRESS_EVERY === 0) {
      const now = performance.now();
      console.log(`invariants: ${sequences}/${RUNS} sequences, ${checker.steps} steps, ${((now - started) / 1000).toFixed(0)} s (last ${PROGRESS_EVERY}: ${((now - lap) / 1000).toFixed(1)} s)`);
      lap = now;
    }
  });
  await fc.assert(property, { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), endOnFailure: process.env.PROPERTY_SHRINK === '0', verbose: 1 });
  console.log(`invariants: ${sequences} sequences, ${checker.steps} steps checked (seed ${SEED}); seen ${JSON.stringify(checker.seen)}`);
  console.log(`outcomes: ${[...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`).join(', ')}`);
  expect(sequences).toBe(RUNS);
}, SOAK ? 6 * 3_600_000 : 600_000);
