import { retryAfterSeconds } from '../../core/attemptLimit.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { UserRow } from '../../db/queries/users.ts';
import type { Repos } from '../../db/repos.ts';

/** Refuses to even verify a guess while the account's delay runs (the answer carries Retry-After). */
export function assertMayAttempt(user: Pick<UserRow, 'failed_attempts' | 'last_failed_at'>, now: Date): void {
  const seconds = retryAfterSeconds({ failures: user.failed_attempts, lastFailedAt: user.last_failed_at, now });
  if (seconds > 0) {
    throw new GatehouseError('too_many_attempts', 'too many failed attempts; try again later', { extra: { retry_after: seconds } });
  }
}

export interface ClaimedAttempt {
  failedAttempts: number;
  at: Date;
  previousFailedAt: Date | null;
}

/** Rounds of compare-and-set before a guess that keeps losing races is told to come back. */
const CLAIM_ROUNDS = 20;

/**
 * Admits one guess against the account's budget and counts it as failed until it proves right
 * (then `r.users.refundAttempt`, or a reset on a completed sign-in). Checking and counting in one
 * compare-and-set is what makes the budget hold when guesses arrive at once, at one instance or
 * several: checking first and counting after verification let every guess of a burst through.
 * Losing the race means another guess was just counted, so the decision is taken again.
 */
export async function claimAttempt(r: Repos, user: Pick<UserRow, 'id' | 'failed_attempts' | 'last_failed_at'>, now: Date): Promise<ClaimedAttempt> {
  let seen = user;
  for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
    assertMayAttempt(seen, now);
    if (await r.users.claimAttempt(seen.id, seen.failed_attempts, now)) {
      return { failedAttempts: seen.failed_attempts + 1, at: now, previousFailedAt: seen.last_failed_at };
    }
    const fresh = await r.users.byId(user.id);
    if (!fresh) break;
    seen = fresh;
  }
  throw new GatehouseError('too_many_attempts', 'too many attempts at once; try again later', { extra: { retry_after: 1 } });
}
