import { GatehouseError } from '../../core/errors.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import type { Repos } from '../../db/repos.ts';

/**
 * Mackerel: ownership of an organization that requires MFA never goes to someone without it,
 * or the organization could end up managed only by people its own policy locks out.
 * "Has MFA" means a factor that counts for this organization (passkeys only, when it says so).
 */
export async function requireTargetMfa(r: Repos, org: Pick<OrgRow, 'mfa_required' | 'required_factor'>, userId: string): Promise<void> {
  if (!org.mfa_required) return;
  const mfa = await r.factors.summary(userId);
  const counts = org.required_factor === 'phishing_resistant' ? mfa.hasPhishingResistantFactor : mfa.hasFactor;
  if (!counts) throw new GatehouseError('target_mfa_required', 'the new owner must have two-factor authentication first');
}
