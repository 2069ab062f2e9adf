import type { NoncompliantAction, RequiredFactor } from '../../db/schema.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import { repos, type Repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { compliance, type Compliance } from './compliance.ts';

/** `GET /v1/orgs/{slug}/mfa-enforcement`: the policy and who complies with it. */
export interface EnforcementState {
  enabled: boolean;
  noncompliant_action: NoncompliantAction;
  required_factor: RequiredFactor;
  grace_period_ends_at: Date | null;
  enabled_at: Date | null;
  enabled_by: string | null;
  compliance: Compliance;
}

export async function enforcementState(r: Repos, org: OrgRow): Promise<EnforcementState> {
  return {
    enabled: org.mfa_required,
    noncompliant_action: org.noncompliant_action,
    required_factor: org.required_factor,
    grace_period_ends_at: org.grace_period_ends_at,
    enabled_at: org.mfa_enabled_at,
    enabled_by: org.mfa_enabled_by,
    compliance: await compliance(r, org),
  };
}

/** Managers see compliance too: they are the ones who send reminders (Platform.sh, Scaleway). */
export async function getEnforcement(deps: AppDeps, actor: Actor, slug: string): Promise<EnforcementState> {
  const r = repos(deps.db);
  const entry = await enterOrg(deps, r, actor, slug, deps.clock.now(), { minRole: 'manager' });
  return enforcementState(r, entry.org);
}
