import type { Config } from '../../config.ts';
import { credentialFacts, decideAccess, type AccessDecision, type Channel, type InstancePolicy } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import { roleAtLeast, type Role } from '../../core/roles.ts';
import type { AccessCache } from '../../db/accessCache.ts';
import type { OrgAccessRow } from '../../db/queries/orgs.ts';
import type { Repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';

export interface OrgEntry extends OrgAccessRow {
  role: Role;
  decision: AccessDecision;
}

/** The operator's instance-wide rule, as the access decision reads it. */
export function instancePolicy(config: Pick<Config, 'requireMfa'>): InstancePolicy {
  return { mfaRequired: config.requireMfa };
}

/**
 * The facts of the access decision for this actor in this organization, read in one query, or
 * from `cache` (reads outside a transaction only: inside one, the facts must be the transaction's).
 * The decision itself is made afresh from `now` every time: deadlines are not cached.
 */
export async function loadAccess(
  deps: Pick<AppDeps, 'config'>,
  r: Repos,
  actor: Actor,
  slug: string,
  now: Date,
  channel: Channel = actor.channel,
  options: { cache?: AccessCache } = {},
): Promise<{ row: OrgAccessRow | undefined; decision: AccessDecision }> {
  const load = (): Promise<OrgAccessRow | undefined> => r.orgs.accessRow(slug, actor.userId);
  const row = options.cache ? await options.cache.access(slug, actor.userId, load) : await load();
  if (!row) return { row, decision: { allowed: false, code: 'not_found' } };
  const decision = decideAccess({
    membership: row.membership ? { role: row.membership.role, state: row.membership.state, reinstateUntil: row.membership.reinstate_until } : null,
    instance: instancePolicy(deps.config),
    policy: { mfaRequired: row.org.mfa_required, gracePeriodEndsAt: row.org.grace_period_ends_at, requiredFactor: row.org.required_factor },
    user: { hasFactor: row.hasFactor, hasPhishingResistantFactor: row.hasPhishingResistantFactor },
    credential: credentialFacts(actor.credential),
    channel,
    now,
  });
  return { row, decision };
}

/** Throws the contract's error for a refused decision, with its extra members. */
export function throwDenied(decision: Exclude<AccessDecision, { allowed: true }>): never {
  switch (decision.code) {
    case 'not_found':
      throw new GatehouseError('not_found', 'no such organization');
    case 'membership_pending':
      throw new GatehouseError('membership_pending', 'your membership is pending: enable two-factor authentication and rejoin', {
        extra: { reinstate_until: decision.reinstateUntil.toISOString() },
      });
    case 'mfa_enrollment_required':
      throw new GatehouseError('mfa_enrollment_required', 'this organization requires two-factor authentication: enable it first');
    case 'mfa_step_up_required':
      throw new GatehouseError('mfa_step_up_required', 'sign in with your second factor to enter this organization');
  }
}

/**
 * Every organization-scoped endpoint starts here: the access decision first (the same one every
 * channel applies), then the role the endpoint needs. Pass `tx.r` to check inside a use case's
 * transaction, so the check and the change see the same rows.
 */
export async function enterOrg(
  deps: Pick<AppDeps, 'config'>,
  r: Repos,
  actor: Actor,
  slug: string,
  now: Date,
  options: { minRole?: Role } = {},
): Promise<OrgEntry> {
  const { row, decision } = await loadAccess(deps, r, actor, slug, now);
  if (!decision.allowed) throwDenied(decision);
  if (!row) throw new GatehouseError('not_found', 'no such organization');
  if (options.minRole && !roleAtLeast(decision.role, options.minRole)) {
    throw new GatehouseError('forbidden', `this needs the ${options.minRole} role or above`);
  }
  return { ...row, role: decision.role, decision };
}
