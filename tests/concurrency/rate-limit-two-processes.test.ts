/**
 * Threat: online guessing spread over the instances of a scaled deployment, or fired in parallel,
 * so that more guesses are verified than the throttle allows — the five free failures, then one
 * guess per growing delay, never more than 100 in a row (NIST SP 800-63B-4 §3.2.2).
 * Rule: the failure count lives in the shared database, and a guess is admitted by one atomic
 * update of it before it is verified, so two server processes on one PostgreSQL share one budget,
 * however the guesses are spread or timed.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { PASSWORD, uniqueEmail } from '../helpers/flows.ts';
import { http, type ServerProcess } from '../helpers/serverProcess.ts';
import { startTwoProcesses, type TwoProcesses } from './twoProcesses.ts';

let pair: TwoProcesses;
let a: ServerProcess;
let b: ServerProcess;
beforeAll(async () => {
  pair = await startTwoProcesses();
  [a, b] = pair.servers;
}, 120_000);
afterAll(async () => {
  await pair?.stop();
});

async function newUser(): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('throttle');
  const created = await http(a.url, 'POST', '/v1/users', { body: { email, password: PASSWORD } });
  expect(created.status).toBe(201);
  return { id: created.body.user.id, email };
}

const guess = (server: ServerProcess, email: string, password = 'not the password at all'): Promise<{ status: number; body: any }> =>
  http(server.url, 'POST', '/v1/sessions', { body: { email, password } });

/**
 * The account may verify exactly one more guess, and after it must wait 2^10 s: a budget that no
 * burst can outlast however slow the machine, so the count of verified guesses is exact.
 */
async function oneGuessLeft(userId: string): Promise<void> {
  await pair.db
    .updateTable('users')
    .set({ failed_attempts: 14, last_failed_at: sql<Date>`now() - interval '1 hour'` })
    .where('id', '=', userId)
    .execute();
}

/** A code that is wrong in every time step the server accepts around now. */
function wrongCode(secret: string): string {
  const valid = new Set([-1, 0, 1, 2].map((step) => totpCode({ secret, now: new Date(Date.now() + step * 30_000) })));
  let code = 0;
  while (valid.has(String(code).padStart(6, '0'))) code += 1;
  return String(code).padStart(6, '0');
}

it('five free failures in all, alternating between the two processes; then both refuse with 429', async () => {
  const user = await newUser();
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const answer = await guess(attempt % 2 === 0 ? a : b, user.email);
    expect([answer.status, answer.body.code]).toEqual([401, 'invalid_credentials']);
  }
  const row = await pair.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row.failed_attempts).toBe(5);
  // The sixth guess arrives within milliseconds of the fifth failure, well inside the 1 s delay it starts.
  const [onA, onB] = await Promise.all([guess(a, user.email, PASSWORD), guess(b, user.email, PASSWORD)]);
  expect([onA.status, onA.body.code, onB.status, onB.body.code]).toEqual([429, 'too_many_attempts', 429, 'too_many_attempts']);
});

it('a burst of password guesses at both processes at once: only the guesses the budget allows are verified', async () => {
  const user = await newUser();
  await oneGuessLeft(user.id);
  const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => guess(index % 2 === 0 ? a : b, user.email)));
  const statuses = answers.map((answer) => answer.status).sort();
  expect(statuses).toEqual([401, ...Array<number>(11).fill(429)]);
  const row = await pair.db.selectFrom('users').select('failed_attempts').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row.failed_attempts).toBe(15);
});

it('a burst of TOTP guesses at both processes at once: only the guesses the budget allows are verified', async () => {
  const user = await newUser();
  const session = await http(a.url, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  const enrollment = await http(b.url, 'POST', '/v1/me/mfa/totp', { token: session.body.token, body: {} });
  const confirmed = await http(a.url, 'POST', `/v1/me/mfa/totp/${enrollment.body.factor_id}/confirm`, {
    token: session.body.token,
    body: { code: totpCode({ secret: enrollment.body.secret, now: new Date() }) },
  });
  expect(confirmed.status).toBe(200);
  const pending = await Promise.all([a, b].map((server) => http(server.url, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } })));
  expect(pending.map((answer) => answer.body.session?.mfa_pending)).toEqual([true, true]);
  await oneGuessLeft(user.id);
  const code = wrongCode(enrollment.body.secret);
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, index) =>
      http((index % 2 === 0 ? a : b).url, 'POST', '/v1/sessions/current/mfa', { token: pending[index % 2]!.body.token, body: { type: 'totp', code } }),
    ),
  );
  expect(answers.map((answer) => answer.status).sort()).toEqual([401, ...Array<number>(11).fill(429)]);
});
