import { checkEnableEnforcement, checkEnforcementInput, graceDeadline, type PersonRef } from '../../core/enforcementRules.ts';
import { credentialFacts } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import { planHas } from '../../core/plans.ts';
import { roleAtLeast } from '../../core/roles.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import type { NoncompliantAction, RequiredFactor } from '../../db/schema.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';
import { noncompliantMembers } from './compliance.ts';
import { enforcementChanges, type EnforcementSettings } from './enforcementChanges.ts';
import { enforcementState, type EnforcementState } from './getEnforcement.ts';
import { moveToPending, type MoveProgress } from './moveToPending.ts';

export interface EnableInput {
  confirm: string;
  noncompliant_action?: NoncompliantAction;
  grace_period_days?: number;
  required_factor?: RequiredFactor;
}

export interface EnableResult extends EnforcementState {
  /** Members this call moved to pending (`remove` without a grace period still running). */
  pending: PersonRef[];
}

/**
 * `PUT /v1/orgs/{slug}/mfa-enforcement`: switches enforcement on, or changes its action or
 * factor rule. PUT replaces the policy, so an omitted `noncompliant_action` is `refuse` and an
 * omitted `required_factor` is `any`, whatever was set before. The grace deadline is fixed when
 * enforcement is switched on: a later PUT keeps it (its `grace_period_days` is ignored, so retrying
 * the first PUT is harmless) and only a switch to `refuse`, which has no grace, clears it.
 */
export async function enableEnforcement(
  deps: AppDeps,
  actor: Actor,
  slug: string,
  input: EnableInput,
  options: { onProgress?: (progress: MoveProgress) => void } = {},
): Promise<EnableResult> {
  const action = input.noncompliant_action ?? 'refuse';
  const requiredFactor = input.required_factor ?? 'any';
  checkEnforcementInput({ action, gracePeriodDays: input.grace_period_days ?? null });

  const result = await transact(deps, async (tx) => {
    const entry = await enterOrg(deps, tx.r, actor, slug, tx.now);
    // Two enforcement changes, and the grace sweep, serialize on the organization row: the second
    // one sees the first one's moves and finds nobody left to move or mail.
    const org = await tx.r.orgs.lockById(entry.org.id);
    if (!org) throw new GatehouseError('not_found', 'no such organization');
    // Only admins get the (possibly large) list; for anyone else the first check fails anyway.
    const noncompliant = roleAtLeast(entry.role, 'admin') ? await noncompliantMembers(tx.r, org.id, requiredFactor) : [];
    checkEnableEnforcement({
      actor: { userId: actor.userId, role: entry.role, aal: actor.credential.aal, phishingResistantCredential: credentialFacts(actor.credential).phishingResistant },
      planHasFeature: planHas(deps.plans, org.plan, 'mfa_enforcement'),
      requiredFactor,
      confirm: input.confirm,
      action,
      noncompliant,
    });

    const next = nextSettings(org, { action, requiredFactor, gracePeriodDays: input.grace_period_days ?? null, now: tx.now, actorId: actor.userId });
    const changes = enforcementChanges(org, next);
    if (Object.keys(changes).length > 0) {
      await tx.r.orgs.update(org.id, next);
      tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes } });
    }

    let pending: PersonRef[] = [];
    const graceRunning = next.grace_period_ends_at !== null && next.grace_period_ends_at.getTime() > tx.now.getTime();
    if (action === 'remove' && !graceRunning && noncompliant.length > 0) {
      const moved = new Set(
        await moveToPending(deps, tx, {
          org,
          userIds: noncompliant.map((person) => person.user_id),
          actorId: actor.userId,
          reason: 'mfa_required',
          pendingSince: tx.now,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
      );
      pending = noncompliant.filter((person) => moved.has(person.user_id));
    }
    const updated = await tx.r.orgs.lockById(org.id);
    if (!updated) throw new Error('organization vanished inside its own transaction');
    return { ...(await enforcementState(tx.r, updated)), pending };
  });
  // moveToPending queued the rejoin mails itself, not through tx.mail: start delivering them now.
  if (result.pending.length > 0) deps.wakeOutbox();
  return result;
}

function nextSettings(
  org: OrgRow,
  options: { action: NoncompliantAction; requiredFactor: RequiredFactor; gracePeriodDays: number | null; now: Date; actorId: string },
): EnforcementSettings {
  const wasEnabled = org.mfa_required;
  let graceEndsAt: Date | null;
  if (options.action === 'refuse') graceEndsAt = null;
  else if (wasEnabled) graceEndsAt = org.grace_period_ends_at;
  else graceEndsAt = graceDeadline(options.now, options.gracePeriodDays);
  return {
    mfa_required: true,
    noncompliant_action: options.action,
    required_factor: options.requiredFactor,
    grace_period_ends_at: graceEndsAt,
    mfa_enabled_at: wasEnabled ? org.mfa_enabled_at : options.now,
    mfa_enabled_by: wasEnabled ? org.mfa_enabled_by : options.actorId,
  };
}

