import { memberAccess } from '../../core/decideAccess.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { instancePolicy } from './enterOrg.ts';

export interface MyOrg {
  slug: string;
  name: string;
  role: string;
  state: 'active' | 'pending';
  access: 'ok' | 'grace' | 'blocked' | 'none';
  mfa_required: boolean;
  reinstate_until: Date | null;
}

/** The caller's organizations, pending ones included (so they can find the way back), expired ones not. */
export async function listMyOrgs(deps: AppDeps, actor: Actor): Promise<MyOrg[]> {
  const r = repos(deps.db);
  const now = deps.clock.now();
  const [rows, mfa] = await Promise.all([r.orgs.listForUser(actor.userId), r.factors.summary(actor.userId)]);
  const out: MyOrg[] = [];
  for (const row of rows) {
    const access = memberAccess({
      membership: { role: row.role, state: row.state, reinstateUntil: row.reinstate_until },
      instance: instancePolicy(deps.config),
      policy: { mfaRequired: row.mfa_required, gracePeriodEndsAt: row.grace_period_ends_at, requiredFactor: row.required_factor },
      user: mfa,
      now,
    });
    if (row.state === 'pending' && (!row.reinstate_until || row.reinstate_until <= now)) continue;
    out.push({ slug: row.slug, name: row.name, role: row.role, state: row.state, access, mfa_required: row.mfa_required, reinstate_until: row.reinstate_until });
  }
  return out;
}
