// Plain words for the API's stable error codes. Pages may override a message where the
// context says more (e.g. `forbidden` on an invitation means "sent to another address").
import { ApiError } from './api.ts';
import type { OrgRef, PersonRef } from './types.ts';

const MESSAGES: Record<string, string> = {
  network_error: "Can't reach the Gatehouse server. Check your connection and try again.",
  unauthenticated: 'You are signed out. Sign in to continue.',
  invalid_credentials: "That email and password don't match an account.",
  too_many_attempts: 'Too many attempts. Wait a moment, then try again.',
  too_many_requests: 'Too many requests. Wait a moment, then try again.',
  invalid_mfa_code: "That code isn't right. Check your authenticator app (or recovery code) and try again.",
  mfa_verification_required: 'Finish signing in with your second factor first.',
  mfa_not_pending: 'Two-factor verification is already complete for this session.',
  email_taken: 'An account with this email already exists. Sign in instead.',
  weak_password: 'Choose a stronger password: at least 8 characters, and not a commonly used one.',
  reauthentication_required: 'For your security, sign in again before changing this.',
  password_change_required: 'Your password must be changed before you can continue.',
  mfa_step_up_required:
    'This needs a session verified with two-factor authentication. Sign in again and complete the second step.',
  mfa_enrollment_required:
    'This organization requires two-factor authentication. Enable it in Account security.',
  would_leave_organizations: 'Removing your last factor will remove you from organizations that require two-factor authentication.',
  mfa_required_by_organization:
    "You own organizations that require two-factor authentication, so you can't remove your last factor. Transfer ownership or stop enforcement first.",
  password_required_by_organization:
    "You own organizations that require two-factor authentication, so you can't remove your password.",
  last_login_method: "This is your only way to sign in, so it can't be removed.",
  slug_taken: 'That URL name is already taken. Choose another one.',
  password_method_required: 'Password sign-in must stay allowed while this organization requires two-factor authentication.',
  target_mfa_required:
    'This organization requires two-factor authentication, so the new owner must enable it first.',
  last_owner: 'An organization needs at least one owner. Make someone else an owner first.',
  already_member: 'You are already a member of this organization.',
  invitation_expired: 'This invitation has expired. Ask the organization for a new one.',
  forbidden: "You don't have permission to do this.",
  not_found: 'Not found. It may have been removed, or you may not have access.',
  membership_pending:
    'Your membership is on hold until you enable two-factor authentication and rejoin the organization.',
  plan_upgrade_required: "This organization's plan doesn't include mandatory two-factor authentication.",
  actor_mfa_required:
    'You need two-factor authentication yourself, verified when you signed in, before you can enforce it.',
  owner_mfa_required: 'Every owner must enable two-factor authentication before it can be enforced.',
  confirmation_mismatch: 'Type the confirmation word exactly as shown.',
  noncompliant_members:
    'Some members don\'t have two-factor authentication yet. Remind them, or choose "block" or "remove" instead.',
  invalid_request: 'Some of the information needs fixing.',
  not_pending: 'This membership is already active.',
  reinstatement_expired:
    'The 90 days to rejoin have passed. Ask an owner or manager of the organization to invite you again.',
  invalid_public_key: "That doesn't look like an SSH public key.",
  payload_too_large: 'That is too large to send.',
  unsupported_media_type: 'The server could not read this request.',
  method_not_allowed: 'This action is not available.',
  webauthn_cancelled: 'The passkey prompt was cancelled or timed out. Try again.',
  webauthn_unsupported: "This browser can't use passkeys.",
};

/** Why the password must be changed, in the words the user needs (the `reason` of password_change_required). */
export function passwordChangeReason(reason: unknown): string {
  if (reason === 'blocklist') {
    return 'Your password is on the list of breached or easily guessed passwords, so others may know it. Choose a new one to continue.';
  }
  return 'An administrator reported your password as compromised. Choose a new one to continue.';
}

/** Codes whose plain words depend on the problem's extra members. */
function contextualMessage(err: ApiError): string | undefined {
  if (err.code === 'password_change_required') return passwordChangeReason(err.body['reason']);
  if (err.code === 'mfa_enrollment_required' && err.body['required_by'] === 'instance') {
    return 'This server requires two-factor authentication for every account. Enable it in Account security to continue.';
  }
  return undefined;
}

export function messageFor(err: ApiError, overrides: Record<string, string> = {}): string {
  const text = overrides[err.code] ?? contextualMessage(err) ?? MESSAGES[err.code];
  if (text) {
    if ((err.code === 'too_many_attempts' || err.code === 'too_many_requests') && err.retryAfterSeconds) {
      return `Too many attempts. Try again in ${err.retryAfterSeconds} seconds.`;
    }
    return text;
  }
  if (err.status >= 500) return 'Something went wrong on the server. Try again in a moment.';
  return err.body.detail ?? err.body.title ?? 'Something went wrong.';
}

export function orgsOf(err: ApiError): OrgRef[] {
  const list = err.body['organizations'];
  return Array.isArray(list) ? (list as OrgRef[]) : [];
}

export function membersOf(err: ApiError): PersonRef[] {
  const list = err.body['members'];
  return Array.isArray(list) ? (list as PersonRef[]) : [];
}

export interface FieldError {
  field: string;
  message: string;
}

/** Normalises the `errors` array of a 400 `invalid_request` (field/name/path/pointer shapes). */
export function fieldErrors(err: unknown): FieldError[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.body['errors'])) return [];
  const out: FieldError[] = [];
  for (const raw of err.body['errors'] as unknown[]) {
    if (raw === null || typeof raw !== 'object') continue;
    const e = raw as Record<string, unknown>;
    const where = [e['field'], e['name'], e['pointer'], e['path'], e['instancePath']].find(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    const field = (where ?? '').replace(/^#?\//, '').split('/').pop() ?? '';
    const message = [e['message'], e['detail'], e['code']].find((v): v is string => typeof v === 'string');
    out.push({ field, message: message ?? 'Check this value.' });
  }
  return out;
}

/**
 * The message to show beside one field: its entry in `errors`, or the whole error when its code
 * is about that field (e.g. `email_taken` beside Email).
 */
export function errorForField(err: unknown, field: string, codes: readonly string[] = []): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (codes.includes(err.code)) return messageFor(err);
  return fieldErrors(err).find((f) => f.field === field)?.message;
}

export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DOMException || err instanceof Error) {
    const code = err.name === 'NotAllowedError' || err.name === 'AbortError' ? 'webauthn_cancelled' : 'client_error';
    return new ApiError({ code, status: 0, body: { title: err.message, detail: err.message }, cause: err });
  }
  return new ApiError({ code: 'client_error', status: 0, body: { title: String(err) } });
}
