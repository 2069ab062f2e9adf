import type { PersonRef } from '../../core/enforcementRules.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import type { RequiredFactor } from '../../db/schema.ts';
import type { Repos } from '../../db/repos.ts';

export type { PersonRef };

export interface Compliance {
  /** Active members: pending ones are outside the organization until reinstated. */
  total: number;
  compliant: number;
  noncompliant: PersonRef[];
}

/**
 * Who does not comply with an organization's factor rule: active members without a confirmed
 * factor, or, when the organization requires phishing-resistant factors, without a passkey or
 * security key (a TOTP app does not count then).
 */
export function noncompliantMembers(r: Repos, orgId: string, requiredFactor: RequiredFactor): Promise<PersonRef[]> {
  return r.orgs.noncompliantActive(orgId, requiredFactor);
}

export async function compliance(r: Repos, org: Pick<OrgRow, 'id' | 'required_factor'>): Promise<Compliance> {
  // Sequential on purpose: inside a transaction both queries share one connection.
  const total = await r.orgs.countActive(org.id);
  const noncompliant = await noncompliantMembers(r, org.id, org.required_factor);
  return { total, compliant: total - noncompliant.length, noncompliant };
}
