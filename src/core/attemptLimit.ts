/**
 * Throttling of password and MFA guesses per account (NIST SP 800-63B-4 §3.2.2): the first
 * FREE_FAILURES consecutive failures cost nothing (typos), then each attempt must wait a delay
 * that doubles up to MAX_DELAY_SECONDS, and after MAX_FAILURES the account accepts no more
 * guesses until an operator unlocks it (`gatehouse users unlock`). A success resets the count.
 */
export const FREE_FAILURES = 5;
export const MAX_FAILURES = 100;
export const MAX_DELAY_SECONDS = 900;
export const LOCKED_RETRY_SECONDS = 3600;

/** Seconds the caller must still wait before a guess is verified; 0 means verify now. */
export function retryAfterSeconds(options: { failures: number; lastFailedAt: Date | null; now: Date }): number {
  const { failures, lastFailedAt, now } = options;
  if (failures >= MAX_FAILURES) return LOCKED_RETRY_SECONDS;
  if (failures < FREE_FAILURES || !lastFailedAt) return 0;
  const delaySeconds = Math.min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS);
  const waitedSeconds = (now.getTime() - lastFailedAt.getTime()) / 1000;
  return waitedSeconds >= delaySeconds ? 0 : Math.ceil(delaySeconds - waitedSeconds);
}
