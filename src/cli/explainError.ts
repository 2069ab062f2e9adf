import type { ErrorCode } from '../core/errors.ts';
import type { ApiError, ClientErrorCode } from './api.ts';
import { shortTime } from './formatTime.ts';

export interface ErrorContext {
  /** The Gatehouse server the CLI talks to; links in messages point there. */
  server: string;
  /** The organization the command was about, when there is one. */
  org?: string;
}

type Explain = (error: ApiError, context: ErrorContext) => string;

const orgName = (context: ErrorContext): string => context.org ?? 'this organization';
const securityPage = (context: ErrorContext): string => `${context.server}/account/security`;
const later = (error: ApiError): string => (error.retryAfterSeconds !== null ? `in ${error.retryAfterSeconds} seconds` : 'later');
const names = (error: ApiError, key: string): string => {
  const list = error.extra[key];
  if (!Array.isArray(list)) return '';
  const slugs = list.map((item) => (typeof item === 'object' && item !== null && 'slug' in item ? String(item.slug) : String(item)));
  return slugs.length > 0 ? ` (${slugs.join(', ')})` : '';
};

/**
 * What each error code means to the person at the terminal, and what to do next. One table, so
 * every code the contract names has exactly one message (the Record type makes a missing code a
 * compile error), and the wording is reviewed in one place.
 */
const MESSAGES: Record<ErrorCode | ClientErrorCode, Explain> = {
  // Access decisions: the messages Platform.sh users know from `ssh` and `git`.
  mfa_enrollment_required: (e, c) =>
    `${e.extra.required_by === 'instance' ? `${c.server} requires two-factor authentication of every account` : `${orgName(c)} requires two-factor authentication`}: enable it at ${securityPage(c)}, then run gatehouse login -f`,
  mfa_step_up_required: (e, c) =>
    `sign in again with your second factor to ${e.extra.required_by === 'instance' ? `use ${c.server}` : `enter ${orgName(c)}`}: gatehouse login -f`,
  membership_pending: (e, c) =>
    `your membership in ${orgName(c)} is pending until ${typeof e.extra.reinstate_until === 'string' ? shortTime(e.extra.reinstate_until) : 'its deadline'}: enable two-factor authentication and rejoin at ${c.server}/orgs/${c.org ?? '<organization>'}/rejoin`,
  not_found: (_e, c) => (c.org !== undefined ? `there is no organization ${c.org}, or you are not a member of it` : 'not found'),
  forbidden: (e) => `not allowed: ${e.detail}`,

  // Signing in.
  unauthenticated: (_e, c) => `you are not signed in to ${c.server} (or your session expired): run gatehouse login`,
  invalid_credentials: () => 'wrong email or password',
  too_many_attempts: (e) => `too many failed attempts: try again ${later(e)}`,
  too_many_requests: (e) => `the server is busy: try again ${later(e)}`,
  invalid_mfa_code: () => 'that code is not valid: use the current code from your authenticator app (each code works once) or an unused recovery code',
  mfa_verification_required: () => 'this sign-in still needs its second factor: run gatehouse login',
  mfa_not_pending: () => 'this sign-in needs no second factor',
  reauthentication_required: () => 'this needs a recent sign-in: run gatehouse login, then try again',
  password_change_required: (e, c) =>
    `${e.extra.reason === 'blocklist' ? 'your password is on the list of breached or easily guessed passwords' : 'your password was reported compromised'}: change it at ${c.server}/account/password, then run gatehouse login`,

  // SSH certificates.
  invalid_public_key: (e) => `the server cannot certify this key: ${e.detail || 'not an OpenSSH public key'} (ed25519, ECDSA and RSA keys of 2048+ bits work; create one with ssh-keygen -t ed25519)`,

  // Account and organization management (the CLI does not call these itself, but proxies and
  // scripts may surface them through it, and a code without a message is a bug).
  invalid_request: (e) => `the request was not valid: ${e.detail}`,
  email_taken: () => 'an account with this email already exists: sign in instead (gatehouse login)',
  weak_password: (e) => `that password is too weak: ${e.detail}`,
  password_required_by_organization: (e) => `an organization you own requires MFA, so your password must stay${names(e, 'organizations')}`,
  last_login_method: () => 'this is your last way to sign in: add another before removing it',
  mfa_required_by_organization: (e, c) => `you own an organization that requires MFA${names(e, 'organizations')}: keep at least one factor (manage them at ${securityPage(c)})`,
  would_leave_organizations: (e, c) => `removing your last factor would cut you off from${names(e, 'organizations') || ' organizations that require MFA'}: confirm at ${securityPage(c)}`,
  slug_taken: () => 'that organization name (slug) is taken',
  password_method_required: () => 'password sign-in must stay allowed while the organization requires MFA',
  target_mfa_required: () => 'that person must enable two-factor authentication first',
  last_owner: () => 'an organization needs at least one owner',
  invitation_expired: () => 'the invitation has expired: ask for a new one',
  already_member: (_e, c) => `you are already a member of ${orgName(c)}`,
  plan_upgrade_required: (_e, c) => `${orgName(c)}'s plan does not include this: ask an owner to upgrade it`,
  actor_mfa_required: (_e, c) => `enable two-factor authentication at ${securityPage(c)} and sign in with it (gatehouse login -f) first`,
  owner_mfa_required: () => 'every owner must enable two-factor authentication first',
  confirmation_mismatch: () => 'the confirmation text did not match',
  noncompliant_members: () => 'some members have no two-factor authentication yet',
  reinstatement_expired: (_e, c) => `the 90 days to rejoin ${orgName(c)} have passed: ask for a new invitation`,
  not_pending: () => 'that membership is not pending',
  method_not_allowed: (_e, c) => `the server at ${c.server} does not support this (is it a Gatehouse server, and up to date?)`,
  payload_too_large: () => 'the request is too large',
  unsupported_media_type: (_e, c) => `the server at ${c.server} did not understand the request`,
  internal_error: (_e, c) => `the server at ${c.server} failed: try again later, or tell its operator`,

  // On the way to the server.
  server_unreachable: (e, c) => `cannot reach the Gatehouse server at ${c.server} (${e.detail}): check --server or GATEHOUSE_SERVER`,
  unexpected_response: (e, c) => `unexpected answer from ${c.server} (${e.detail}): is it a Gatehouse server?`,
};

export function explainError(error: ApiError, context: ErrorContext): string {
  const explain = MESSAGES[error.code] as Explain | undefined;
  return explain ? explain(error, context) : `${error.detail || 'request refused'} (${error.code})`;
}
