// Shapes of the public API (contract v1) as the console uses them. Responses may carry more.

export type Role = 'owner' | 'admin' | 'manager' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'manager', 'member'];

export type NoncompliantAction = 'refuse' | 'block' | 'remove';
export type RequiredFactor = 'any' | 'phishing_resistant';

export interface User {
  id: string;
  email: string;
  name?: string | null;
}

/** What a session may do beyond its MFA step: null, or the code it gets elsewhere until it is lifted. */
export interface Restriction {
  code: 'password_change_required' | 'mfa_enrollment_required' | 'mfa_step_up_required' | string;
  /** For password_change_required: `operator` (reported compromised) or `blocklist`. */
  reason?: string;
}

export interface SessionInfo {
  aal: number;
  amr?: string[];
  mfa_pending: boolean;
  expires_at?: string;
  restriction?: Restriction | null;
}

export interface CurrentSession {
  user: User;
  session: SessionInfo;
}

export interface Factor {
  id: string;
  type: string;
  name?: string | null;
  created_at?: string;
  last_used_at?: string | null;
  phishing_resistant?: boolean;
}

export interface MfaStatus {
  enabled: boolean;
  factors: Factor[];
  recovery_codes_remaining?: number;
}

export interface OrgSummary {
  slug: string;
  name: string;
  role: Role;
  state: 'active' | 'pending';
  access: 'ok' | 'grace' | 'blocked' | 'none';
}

export interface Org {
  slug: string;
  name: string;
  plan?: string;
  allowed_auth_methods?: string[];
  mfa_required?: boolean;
}

export interface Member {
  user_id: string;
  email: string;
  name?: string | null;
  role: Role;
  state: 'active' | 'pending';
  mfa: { enabled: boolean; factor_types?: string[] };
  access?: 'ok' | 'grace' | 'blocked' | 'none';
}

export interface PersonRef {
  user_id: string;
  email: string;
  role?: Role;
}

export interface OrgRef {
  slug: string;
  name: string;
}

export interface Enforcement {
  enabled: boolean;
  noncompliant_action?: NoncompliantAction | null;
  grace_period_ends_at?: string | null;
  enabled_at?: string | null;
  enabled_by?: unknown;
  required_factor?: RequiredFactor;
  compliance: { total: number; compliant: number; noncompliant: PersonRef[] };
  pending?: PersonRef[];
}

export interface AccessDecision {
  allowed: boolean;
  code?: string;
  role?: Role;
  aal?: number;
  deadline?: string | null;
  reinstate_until?: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expires_at?: string;
}

export interface AuditEvent {
  id: string;
  action: string;
  actor?: unknown;
  target?: unknown;
  org?: unknown;
  data?: Record<string, unknown> | null;
  created_at: string;
}

export interface AccessToken {
  id: string;
  name?: string;
  created_at?: string;
  expires_at?: string | null;
  last_used_at?: string | null;
}
