import { describe, expect, it } from 'vitest';
import { canManageRole, roleAtLeast } from '../../src/core/roles.ts';

describe('roles', () => {
  it('ranks owner > admin > manager > member', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'owner')).toBe(false);
    expect(roleAtLeast('manager', 'manager')).toBe(true);
    expect(roleAtLeast('member', 'manager')).toBe(false);
  });

  it.each([
    ['member', 'member', 'manager', false],
    ['manager', 'member', 'manager', true],
    ['manager', 'member', 'admin', false],
    ['manager', 'admin', 'member', false],
    ['admin', 'manager', 'admin', true],
    ['admin', 'owner', 'admin', false],
    ['admin', 'member', 'owner', false],
    ['owner', 'admin', 'owner', true],
    ['owner', 'owner', 'member', true],
  ] as const)('%s changing a %s to %s → %s', (actor, target, newRole, allowed) => {
    expect(canManageRole({ actor, target, newRole })).toBe(allowed);
  });
});
