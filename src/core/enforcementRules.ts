import type { NoncompliantAction, RequiredFactor, Role } from '../db/schema.ts';
import { GatehouseError } from './errors.ts';
import { roleAtLeast } from './roles.ts';
import { addDays } from './clock.ts';

/** Sentry keeps removed members reinstatable for three months. */
export const REINSTATE_WINDOW_DAYS = 90;
export const REMINDER_INTERVAL_SECONDS = 3600;

/** A person in a response body or an error's extra members: `{ user_id, email, role }` (contract). */
export interface PersonRef {
  user_id: string;
  email: string;
  role: Role;
}

export interface EnableFacts {
  actor: { userId: string; role: Role; aal: number; phishingResistantCredential: boolean };
  planHasFeature: boolean;
  /** The factor rule being switched on (the request's, or the organization's current one). */
  requiredFactor: RequiredFactor;
  confirm: string;
  action: NoncompliantAction;
  /** Active members without a factor that counts under `requiredFactor`. */
  noncompliant: readonly PersonRef[];
}

/**
 * The request-shape rule the body schema cannot express: a grace period delays an action, and
 * `refuse` has none to delay. It is checked where the schema's checks are, before the access
 * decision and every other check: a malformed request is malformed whoever sends it, and a
 * client fixing its body should not have to learn about roles or plans first.
 */
export function checkEnforcementInput(input: { action: NoncompliantAction; gracePeriodDays: number | null }): void {
  if (input.action === 'refuse' && input.gracePeriodDays !== null) {
    throw new GatehouseError('invalid_request', 'grace_period_days applies to the block and remove actions only', {
      extra: { errors: [{ field: 'grace_period_days', in: 'body', message: 'is not allowed with noncompliant_action "refuse"' }] },
    });
  }
}

/**
 * The checks before turning enforcement on (or changing it), in the contract's order. Throws the
 * first failure; the order matters because each answer tells the caller what to fix first.
 */
export function checkEnableEnforcement(facts: EnableFacts): void {
  if (!roleAtLeast(facts.actor.role, 'admin')) {
    throw new GatehouseError('forbidden', 'only admins and owners change security settings');
  }
  if (!facts.planHasFeature) {
    throw new GatehouseError('plan_upgrade_required', "the organization's plan does not include MFA enforcement");
  }
  // Whoever switches enforcement on must hold a factor that counts and have proven it with this
  // credential (Mackerel, Sentry): otherwise they would lock themselves out with their own switch.
  const actorCompliant = !facts.noncompliant.some((person) => person.user_id === facts.actor.userId);
  const actorVerified = facts.actor.aal >= 2 && (facts.requiredFactor === 'any' || facts.actor.phishingResistantCredential);
  if (!actorCompliant || !actorVerified) {
    throw new GatehouseError('actor_mfa_required', 'enable two-factor authentication and sign in with it first');
  }
  // Otherwise the organization could lock out the very people able to manage it.
  const ownersWithout = facts.noncompliant.filter((person) => person.role === 'owner');
  if (ownersWithout.length > 0) {
    throw new GatehouseError('owner_mfa_required', 'every owner must have two-factor authentication first', {
      extra: { owners: ownersWithout },
    });
  }
  if (facts.confirm !== 'ENFORCE') {
    throw new GatehouseError('confirmation_mismatch', 'type ENFORCE to confirm');
  }
  // Scaleway and DNSimple: enforcement is only switched on once everyone already complies.
  if (facts.action === 'refuse' && facts.noncompliant.length > 0) {
    throw new GatehouseError('noncompliant_members', 'some members do not have two-factor authentication yet', {
      extra: { members: facts.noncompliant },
    });
  }
}

export function checkDisableEnforcement(input: { confirm: string }): void {
  if (input.confirm !== 'STOP') throw new GatehouseError('confirmation_mismatch', 'type STOP to confirm');
}

export function graceDeadline(now: Date, gracePeriodDays: number | null): Date | null {
  return gracePeriodDays && gracePeriodDays > 0 ? addDays(now, gracePeriodDays) : null;
}

export function reinstateDeadline(pendingSince: Date): Date {
  return addDays(pendingSince, REINSTATE_WINDOW_DAYS);
}

/** Which factors count for an organization: every confirmed one, or only passkeys and security keys. */
export function factorCounts(options: { requiredFactor: RequiredFactor; phishingResistant: boolean }): boolean {
  return options.requiredFactor === 'any' || options.phishingResistant;
}
