import { GatehouseError } from './errors.ts';

/**
 * Invitation mail goes to an address that has not agreed to anything yet, so a manager's account
 * (or a script holding its token) must not be able to turn invite / resend / revoke into a mail
 * cannon: one invitation mail per address per organization per minute, whichever way it is sent.
 * A minute still lets a person correct a wrong role at once after a first try.
 */
export const INVITATION_MAIL_INTERVAL_SECONDS = 60;

/** Seconds to wait before the next invitation mail to that address, or 0 if it may go now. */
export function invitationRetryAfter(input: { lastSentAt: Date | null; now: Date }): number {
  if (!input.lastSentAt) return 0;
  const elapsedMs = input.now.getTime() - input.lastSentAt.getTime();
  const waitMs = INVITATION_MAIL_INTERVAL_SECONDS * 1000 - elapsedMs;
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/** The refusal when it is too soon: 429 too_many_requests, with the wait as Retry-After. */
export function invitationMailTooSoon(retryAfterSeconds: number): GatehouseError {
  return new GatehouseError('too_many_requests', 'an invitation was mailed to this address a moment ago; try again later', {
    extra: { retry_after: Math.max(1, retryAfterSeconds) },
  });
}
