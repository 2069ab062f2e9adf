import { memberAccess, type InstancePolicy } from '../../core/decideAccess.ts';
import type { MemberRow, OrgRow } from '../../db/queries/orgs.ts';
import type { Role } from '../../core/roles.ts';

export interface PublicMember {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  state: 'active' | 'pending';
  mfa: { enabled: boolean; factor_types: string[] };
  access: 'ok' | 'grace' | 'blocked' | 'none';
  reinstate_until: Date | null;
}

/**
 * A member as the members list shows them. `mfa.enabled` means a factor that counts for this
 * organization (only passkeys and security keys when it requires phishing-resistant ones), so
 * the list agrees with the access decision it reports next to it.
 */
export function publicMember(
  row: MemberRow,
  org: Pick<OrgRow, 'mfa_required' | 'grace_period_ends_at' | 'required_factor'>,
  instance: InstancePolicy,
  now: Date,
): PublicMember {
  const user = { hasFactor: row.factor_types.length > 0, hasPhishingResistantFactor: row.has_pr_factor };
  const access = memberAccess({
    membership: { role: row.role, state: row.state, reinstateUntil: row.reinstate_until },
    instance,
    policy: { mfaRequired: org.mfa_required, gracePeriodEndsAt: org.grace_period_ends_at, requiredFactor: org.required_factor },
    user,
    now,
  });
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    state: row.state,
    mfa: {
      enabled: org.required_factor === 'phishing_resistant' ? user.hasPhishingResistantFactor : user.hasFactor,
      factor_types: [...row.factor_types].sort(),
    },
    access,
    reinstate_until: row.state === 'pending' ? row.reinstate_until : null,
  };
}
