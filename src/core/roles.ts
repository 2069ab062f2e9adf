import type { Role } from '../db/schema.ts';

export type { Role };

export const ROLES: readonly Role[] = ['owner', 'admin', 'manager', 'member'];

const RANK: Readonly<Record<Role, number>> = { owner: 4, admin: 3, manager: 2, member: 1 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/**
 * Who may change whose role: a manager manages members, an admin manages up to admins,
 * and only an owner touches owners. Nobody hands out a role above their own.
 */
export function canManageRole(options: { actor: Role; target: Role; newRole?: Role }): boolean {
  if (!roleAtLeast(options.actor, 'manager')) return false;
  if (RANK[options.target] > RANK[options.actor]) return false;
  if (options.target === 'owner' || options.newRole === 'owner') return options.actor === 'owner';
  return options.newRole === undefined || RANK[options.newRole] <= RANK[options.actor];
}
