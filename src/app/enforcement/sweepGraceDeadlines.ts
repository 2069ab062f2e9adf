import { repos } from '../../db/repos.ts';
import type { AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { noncompliantMembers } from './compliance.ts';
import { moveToPending } from './moveToPending.ts';

/**
 * The scheduled side of `remove` (and `refuse`, whose later non-compliance is handled as
 * `remove`): once an organization's grace deadline has passed, its non-compliant active members
 * move to pending. Access itself never waits for this job — the decision compares the stored
 * deadline with the clock on every request — so running it late only delays the mail.
 *
 * `pending_since` is the deadline, not the run time, so the 90 days to rejoin count from when the
 * removal was due. Organizations without a grace period are swept too, as a safety net for a
 * member who lost compliance in a race with the switch (their pending time is now).
 * One transaction per organization under its row lock: idempotent, and safe on several instances.
 * `deadlinesAfter` limits the run to deadlines that fell since then (see graceSweepJob).
 */
export async function sweepGraceDeadlines(deps: AppDeps, options: { deadlinesAfter?: Date } = {}): Promise<number> {
  const due = await repos(deps.db).orgs.dueForPendingSweep(deps.clock.now(), options);
  let moved = 0;
  for (const candidate of due) {
    moved += await transact(deps, async (tx) => {
      const org = await tx.r.orgs.lockById(candidate.id);
      if (!org || !org.mfa_required || org.noncompliant_action === 'block') return 0;
      const deadline = org.grace_period_ends_at;
      if (deadline && deadline.getTime() > tx.now.getTime()) return 0;
      const noncompliant = await noncompliantMembers(tx.r, org.id, org.required_factor);
      if (noncompliant.length === 0) return 0;
      const ids = await moveToPending(deps, tx, {
        org,
        userIds: noncompliant.map((person) => person.user_id),
        actorId: null,
        reason: deadline ? 'grace_period_ended' : 'mfa_required',
        pendingSince: deadline ?? tx.now,
      });
      return ids.length;
    });
  }
  // moveToPending queued the rejoin mails itself, not through tx.mail: start delivering them now.
  if (moved > 0) deps.wakeOutbox();
  return moved;
}

/** Every run sweeps the deadlines reached since the previous one; a full sweep runs hourly. */
export const FULL_SWEEP_INTERVAL_SECONDS = 3600;

/**
 * The schedule of the sweep. A full sweep proves every enforcing organization complies, which for
 * an organization of 100,000 members is a scan of 100,000 rows — fine hourly, not every 5 seconds
 * (on the embedded database it would stall every other query meanwhile). Runs in between only
 * look at deadlines reached since the previous run. What a run remembers lives in this closure,
 * per process: after a restart the first run is a full one, and a failed run is retried whole.
 */
export function graceSweepJob(deps: AppDeps): () => Promise<number> {
  let sweptUntil: Date | null = null;
  let fullSweepAt: Date | null = null;
  return async () => {
    const now = deps.clock.now();
    const recentFull = fullSweepAt !== null && now.getTime() - fullSweepAt.getTime() < FULL_SWEEP_INTERVAL_SECONDS * 1000;
    const moved = await sweepGraceDeadlines(deps, recentFull && sweptUntil ? { deadlinesAfter: sweptUntil } : {});
    if (!recentFull) fullSweepAt = now;
    sweptUntil = now;
    return moved;
  };
}
