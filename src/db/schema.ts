import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

/** Columns with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Json<T> = ColumnType<T, string, string>;

export type Role = 'owner' | 'admin' | 'manager' | 'member';
export type MembershipState = 'active' | 'pending';
export type NoncompliantAction = 'refuse' | 'block' | 'remove';
export type RequiredFactor = 'any' | 'phishing_resistant';
export type FactorType = 'totp' | 'webauthn';
export type PasswordCompromise = 'operator' | 'blocklist';

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  failed_attempts: Defaulted<number>;
  last_failed_at: Date | null;
  created_at: Date;
  /** Evidence the password is compromised (migration 007): set together, cleared by a new password. */
  password_compromised_at: Defaulted<Date | null>;
  password_compromise_reason: Defaulted<PasswordCompromise | null>;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  aal: number;
  amr: Json<string[]>;
  mfa_pending: boolean;
  /** When the password (and its MFA step) was last verified: the "recent sign-in" for factor changes. */
  authenticated_at: Date;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface PersonalAccessTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  aal: number;
  amr: Json<string[]>;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface MfaFactorsTable {
  id: string;
  user_id: string;
  type: FactorType;
  name: string;
  secret_sealed: string | null;
  confirmed_at: Date | null;
  last_used_step: number | null;
  last_used_at: Date | null;
  created_at: Date;
  phishing_resistant: Defaulted<boolean>;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: Json<string[]> | null;
  backed_up: boolean | null;
  device_type: string | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: Date;
  used_at: Date | null;
}

export interface OrgsTable {
  id: string;
  slug: string;
  name: string;
  plan: string;
  allowed_auth_methods: Json<string[]>;
  mfa_required: Defaulted<boolean>;
  noncompliant_action: Defaulted<NoncompliantAction>;
  required_factor: Defaulted<RequiredFactor>;
  grace_period_ends_at: Date | null;
  mfa_enabled_at: Date | null;
  mfa_enabled_by: string | null;
  created_at: Date;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  state: MembershipState;
  pending_since: Date | null;
  reinstate_until: Date | null;
  last_reminded_at: Date | null;
  /** When a manager last sent the rejoin mail again: the throttle's clock. */
  rejoin_mailed_at: Date | null;
  created_at: Date;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  /** When its mail last went out (invite or resend): the throttle's clock. */
  last_sent_at: Date;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  id: string;
  org_id: string | null;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Date;
  /** The hash of the event before this one in its organization's chain (null: the first); see src/core/auditChain.ts. */
  prev_hash: string | null;
  /** SHA-256 over prev_hash and this event's fields; null only for rows written around the application. */
  hash: string | null;
}

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Date;
  attempts: Defaulted<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  sent_at: Date | null;
  logged_at: Date | null;
  last_error: string | null;
}

export interface WebauthnChallengesTable {
  id: string;
  user_id: string;
  purpose: 'registration' | 'authentication';
  challenge: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface SshCertificatesTable {
  /** The certificate's 64-bit serial in decimal. */
  serial: string;
  user_id: string;
  org_id: string;
  /** `SHA256:…` of the certified public key, as sshd's %f token prints it. */
  key_fingerprint: string;
  /** What the credential that asked for the certificate proved: the decision reuses it at connection time. */
  aal: number;
  amr: Json<string[]>;
  valid_after: Date;
  valid_before: Date;
  created_at: Date;
  revoked_at: Date | null;
}

export interface OrgSsoConfigsTable {
  org_id: string;
  issuer: string;
  client_id: string;
  /** AES-256-GCM (src/crypto/secretBox.ts), bound to the org id as associated data. */
  client_secret_sealed: string;
  trust_idp_mfa: Defaulted<boolean>;
  max_idp_auth_age_seconds: Defaulted<number>;
  verified_domains: Json<string[]>;
  jit_role: Defaulted<'member' | 'manager'>;
  created_at: Date;
  updated_at: Date;
}

export interface SsoIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: Date;
}

export interface SsoLoginStatesTable {
  /** SHA-256 (hex) of the `state` sent to the identity provider: the value itself is never stored. */
  state: string;
  org_id: string;
  nonce: string;
  code_verifier: string;
  /** SHA-256 (hex) of the cookie set on the browser that started the login. */
  browser_binding: string;
  redirect_after: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** Instances serving an access cache on PostgreSQL, and what they have applied (migration 007). */
export interface AccessCacheInstancesTable {
  id: string;
  applied_seq: number;
  alive_until: Date;
  host: string;
  pid: number;
  started_at: Date;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  personal_access_tokens: PersonalAccessTokensTable;
  mfa_factors: MfaFactorsTable;
  recovery_codes: RecoveryCodesTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  outbox: OutboxTable;
  webauthn_challenges: WebauthnChallengesTable;
  ssh_certificates: SshCertificatesTable;
  org_sso_configs: OrgSsoConfigsTable;
  sso_identities: SsoIdentitiesTable;
  sso_login_states: SsoLoginStatesTable;
  access_cache_instances: AccessCacheInstancesTable;
}

/** A connection or a transaction: queries take either, so a use case composes them in one transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
