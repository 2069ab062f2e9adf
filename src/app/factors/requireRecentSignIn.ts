import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';

/**
 * Factor changes need a session whose password sign-in (and MFA step) happened within
 * GATEHOUSE_REAUTH_MINUTES (ASVS 7.5.1): a stolen long-lived session or a personal access token
 * cannot swap the account's factors. Confirming a factor does not move this time. Removing the
 * password and ending other sessions ask for the same (ASVS 7.5.1, 7.5.2).
 */
export function requireRecentSignIn(deps: AppDeps, actor: Actor, now: Date): void {
  const authenticatedAt = actor.credential.kind === 'session' ? actor.credential.authenticatedAt : null;
  const maxAgeMs = deps.config.reauthMinutes * 60_000;
  if (!authenticatedAt || now.getTime() - authenticatedAt.getTime() > maxAgeMs) {
    throw new GatehouseError('reauthentication_required', 'sign in again to make this change');
  }
}

/** A user who has MFA changes factors only from a session that proved it. */
export function requireStepUp(actor: Actor): void {
  if (actor.credential.aal < 2) throw new GatehouseError('mfa_step_up_required', 'verify with your second factor first');
}
