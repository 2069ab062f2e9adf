import { reinstateDeadline } from '../../core/enforcementRules.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import { rejoinMail } from '../../mail/templates.ts';
import type { AppDeps } from '../deps.ts';
import type { Tx } from '../transact.ts';

/**
 * Members per round. Each round is one UPDATE (the ids travel as one array parameter, so there
 * is no bind-parameter limit to respect) and one outbox INSERT, so an organization of any size
 * costs a handful of statements, and at most one round of rejoin mails is held in memory.
 */
const CHUNK = 5000;

/** Members looked at so far (of `total`), and how many of them were moved. */
export interface MoveProgress {
  checked: number;
  total: number;
  moved: number;
}

/**
 * Sentry's "remove": the member keeps their row and role but loses access and notifications,
 * receives "Mandatory: Enable Two-Factor Authentication" with a rejoin link, and can be
 * reinstated within 90 days of `pendingSince`. Only members still active are moved (idempotent:
 * a second caller racing the first, or a job re-running, moves nobody twice).
 *
 * Everything is written inside the caller's transaction, so the moves, their audit events and
 * their mails commit together or not at all. The rejoin mails go to the outbox round by round
 * (30,000 of them are ~35 MB of text that need not wait in memory for the commit); `tx.mail` is
 * not used for them, so a caller that moved anyone wakes the outbox itself after the commit.
 */
export async function moveToPending(
  deps: AppDeps,
  tx: Tx,
  options: {
    org: Pick<OrgRow, 'id' | 'slug' | 'name'>;
    userIds: readonly string[];
    actorId: string | null;
    reason: string;
    pendingSince: Date;
    /** Called after each round, inside the transaction: nothing is committed until the last. */
    onProgress?: (progress: MoveProgress) => void;
    chunkSize?: number;
  },
): Promise<string[]> {
  const chunkSize = options.chunkSize ?? CHUNK;
  const reinstateUntil = reinstateDeadline(options.pendingSince);
  const movedAll: string[] = [];
  // The rejoin mail says the same to every member moved (only the recipient differs): rendered
  // once, not once per member — 30,000 renders were ~35 MB of identical strings to collect.
  const rejoin = rejoinMail({ to: '', org: options.org, publicUrl: deps.config.publicUrl, reinstateUntil });
  for (let start = 0; start < options.userIds.length; start += chunkSize) {
    const chunk = options.userIds.slice(start, start + chunkSize);
    const moved = await tx.r.orgs.setPendingReturning(options.org.id, chunk, options.pendingSince, reinstateUntil);
    const mails = [];
    for (const member of moved) {
      movedAll.push(member.user_id);
      tx.audit({
        orgId: options.org.id,
        action: 'member.pending',
        actorId: options.actorId,
        targetId: member.user_id,
        data: { reason: options.reason, role: member.role, reinstate_until: reinstateUntil.toISOString() },
      });
      mails.push({ ...rejoin, recipient: member.email, id: tx.id('mail') });
    }
    await tx.r.outbox.enqueueMany(mails, tx.now);
    options.onProgress?.({ checked: Math.min(start + chunkSize, options.userIds.length), total: options.userIds.length, moved: movedAll.length });
  }
  return movedAll;
}
