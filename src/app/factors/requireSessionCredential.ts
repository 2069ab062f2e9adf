import { GatehouseError } from '../../core/errors.ts';
import type { Actor } from '../deps.ts';

/** Factors are managed from a signed-in session; a personal access token cannot change them. */
export function requireSessionCredential(actor: Actor): void {
  if (actor.credential.kind !== 'session') {
    throw new GatehouseError('reauthentication_required', 'sign in with your password to manage two-factor authentication');
  }
}
