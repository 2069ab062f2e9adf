import { describe, expect, it } from 'vitest';
import { INVITATION_MAIL_INTERVAL_SECONDS, invitationRetryAfter } from '../../src/core/invitationThrottle.ts';

const now = new Date('2026-11-23T12:00:00Z');
const ago = (seconds: number): Date => new Date(now.getTime() - seconds * 1000);

describe('invitationRetryAfter', () => {
  it.each([
    ['never sent', null, 0],
    ['sent just now', ago(0), INVITATION_MAIL_INTERVAL_SECONDS],
    ['sent 0.5 s ago (rounds up, never 0 while waiting)', ago(0.5), INVITATION_MAIL_INTERVAL_SECONDS],
    ['sent 59 s ago', ago(59), 1],
    ['sent exactly a minute ago', ago(60), 0],
    ['sent an hour ago', ago(3600), 0],
    ['sent "in the future" (clock skew between instances)', ago(-5), INVITATION_MAIL_INTERVAL_SECONDS + 5],
  ] as const)('%s', (_label, lastSentAt, expected) => {
    expect(invitationRetryAfter({ lastSentAt, now })).toBe(expected);
  });
});
