import type { OrgRow } from '../../db/queries/orgs.ts';

export interface PublicOrg {
  slug: string;
  name: string;
  plan: string;
  allowed_auth_methods: string[];
  mfa_required: boolean;
  noncompliant_action: string;
  required_factor: string;
  grace_period_ends_at: Date | null;
  created_at: Date;
}

export function publicOrg(org: OrgRow): PublicOrg {
  return {
    slug: org.slug,
    name: org.name,
    plan: org.plan,
    allowed_auth_methods: org.allowed_auth_methods,
    mfa_required: org.mfa_required,
    noncompliant_action: org.noncompliant_action,
    required_factor: org.required_factor,
    grace_period_ends_at: org.grace_period_ends_at,
    created_at: org.created_at,
  };
}
