/**
 * The one error type of the domain. `code` is a stable string from the public contract
 * (../shared/API.md); the HTTP layer maps it to a status in src/http/errorStatus.ts.
 * `extra` carries the contract's additional members (e.g. `members`, `organizations`).
 * Messages are for humans and logs only: never put a secret (token, code, password) in one.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'email_taken'
  | 'weak_password'
  | 'invalid_credentials'
  | 'too_many_attempts'
  | 'invalid_mfa_code'
  | 'mfa_verification_required'
  | 'mfa_not_pending'
  | 'password_required_by_organization'
  | 'last_login_method'
  | 'reauthentication_required'
  | 'password_change_required'
  | 'mfa_step_up_required'
  | 'mfa_required_by_organization'
  | 'would_leave_organizations'
  | 'slug_taken'
  | 'password_method_required'
  | 'target_mfa_required'
  | 'last_owner'
  | 'mfa_enrollment_required'
  | 'invitation_expired'
  | 'already_member'
  | 'membership_pending'
  | 'invalid_public_key'
  | 'plan_upgrade_required'
  | 'actor_mfa_required'
  | 'owner_mfa_required'
  | 'confirmation_mismatch'
  | 'noncompliant_members'
  | 'reinstatement_expired'
  | 'not_pending'
  | 'internal_error';

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly extra: Readonly<Record<string, unknown>>;
  override readonly name = 'GatehouseError';

  constructor(code: ErrorCode, message: string, options: { extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.extra = options.extra ?? {};
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
