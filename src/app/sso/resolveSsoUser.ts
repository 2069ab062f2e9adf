import { GatehouseError } from '../../core/errors.ts';
import type { UserRow } from '../../db/queries/users.ts';
import type { Tx } from '../transact.ts';

export interface SsoIdentityClaims {
  issuer: string;
  subject: string;
  /** Normalized, and verified by the identity provider. */
  email: string;
  name: string | null;
}

export interface ResolvedSsoUser {
  user: UserRow;
  /** An existing account was linked to this identity just now. */
  linked: boolean;
  /** The account was created just now (just-in-time), without a password. */
  created: boolean;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/**
 * The Gatehouse account an ID token signs in: the one linked to (issuer, sub); else, only when
 * the email's domain is one of the organization's verified domains, the account with that email
 * (linked now) or a new one without a password. Outside its verified domains an organization's
 * IdP can neither take over an existing account by asserting its email nor squat on an address
 * (and then accept invitations sent to it).
 */
export async function resolveSsoUser(tx: Tx, claims: SsoIdentityClaims, options: { domainVerified: boolean }): Promise<ResolvedSsoUser> {
  const identity = await tx.r.sso.identity(claims.issuer, claims.subject);
  if (identity) {
    const user = await tx.r.users.byId(identity.user_id);
    if (!user) throw new Error('a linked identity without its user');
    return { user, linked: false, created: false };
  }
  if (!options.domainVerified) {
    throw new GatehouseError('forbidden', "this email's domain is not one the organization has verified: sign in with your password");
  }
  const existing = await tx.r.users.byEmail(claims.email);
  if (existing) {
    await tx.r.sso.insertIdentity({ issuer: claims.issuer, subject: claims.subject, userId: existing.id, now: tx.now });
    return { user: existing, linked: true, created: false };
  }
  const id = tx.id('usr');
  await tx.r.users.insert({ id, email: claims.email, name: claims.name, passwordHash: null, now: tx.now });
  await tx.r.sso.insertIdentity({ issuer: claims.issuer, subject: claims.subject, userId: id, now: tx.now });
  tx.audit({ orgId: null, action: 'user.create', actorId: id, targetId: id, data: { via: 'sso', issuer: claims.issuer } });
  const user = await tx.r.users.byId(id);
  if (!user) throw new Error('user vanished inside its own transaction');
  return { user, linked: false, created: true };
}
