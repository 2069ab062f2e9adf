import { GatehouseError } from '../../core/errors.ts';
import { checkPasswordStrength, passwordContextWords, weakPasswordMessage } from '../../core/passwordPolicy.ts';
import { hashPassword } from '../../crypto/passwordHash.ts';
import type { AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';

export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function signUp(deps: AppDeps, input: { email: string; password: string; name?: string }): Promise<PublicUser> {
  const email = normalizeEmail(input.email);
  const strength = checkPasswordStrength(input.password, { contextWords: passwordContextWords({ email, issuer: deps.config.issuer }) });
  if (strength !== 'ok') throw new GatehouseError('weak_password', weakPasswordMessage(strength));
  // Hash before the transaction: argon2 takes tens of milliseconds and must not hold a connection.
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  return transact(deps, async (tx) => {
    if (await tx.r.users.byEmail(email)) throw new GatehouseError('email_taken', 'an account with this email exists');
    const id = tx.id('usr');
    await tx.r.users.insert({ id, email, name, passwordHash, now: tx.now });
    tx.audit({ orgId: null, action: 'user.create', actorId: id, targetId: id });
    return { id, email, name };
  });
}
