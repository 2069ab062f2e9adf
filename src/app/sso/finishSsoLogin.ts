import type { InstancePolicy } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import { idpAmr, judgeIdpMfa, ssoSessionAmr, type IdpMfaVerdict } from '../../core/idpMfa.ts';
import { hashToken } from '../../core/tokens.ts';
import type { MfaSummary } from '../../db/queries/factors.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import { repos } from '../../db/repos.ts';
import type { OidcRelyingParty } from '../../sso/oidcRelyingParty.ts';
import { credentialRestriction } from '../accounts/credentialRestriction.ts';
import { issueSession, type IssuedSession } from '../accounts/issueSession.ts';
import { normalizeEmail } from '../accounts/signUp.ts';
import type { AppDeps } from '../deps.ts';
import { instancePolicy } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';
import { ssoRedirectUri } from './publicSsoConfig.ts';
import { emailDomain, resolveSsoUser } from './resolveSsoUser.ts';
import { ssoTarget } from './ssoTarget.ts';

export interface SsoCallbackInput {
  /** The callback's query parameters (`code`, `state`, `iss`, or `error`). */
  query: { state?: string; error?: string };
  /** The query string exactly as received: openid-client reads the response from it. */
  rawQuery: string;
  /** The value of the cookie set when this browser started the login, if it sent one. */
  browserBinding: string | undefined;
}

export interface FinishedSsoLogin {
  issued: IssuedSession;
  /** A same-origin path. */
  redirectAfter: string;
  orgSlug: string;
}

/** Where a user lands when the organization could not take them in before they enroll a factor. */
const ENROLL_PATH = '/account/security';

function invalidState(message: string): GatehouseError {
  return new GatehouseError('invalid_request', message, { extra: { errors: [{ field: 'state', in: 'querystring', message }] } });
}

/**
 * Joining just in time is gated by MFA like any join (invitations): the organization must not
 * require MFA, or this sign-in's IdP MFA is trusted and strong enough, or the user has a local
 * factor of the required kind (their session is then pending until they use it). No grace
 * period: it covers existing members only.
 */
function mayJoin(org: OrgRow, verdict: IdpMfaVerdict, mfa: MfaSummary, instance: InstancePolicy): boolean {
  // The instance's GATEHOUSE_REQUIRE_MFA counts as the organization requiring MFA (any factor).
  if (!org.mfa_required && !instance.mfaRequired) return true;
  const phishingResistant = org.mfa_required && org.required_factor === 'phishing_resistant';
  if (verdict.trusted && (!phishingResistant || verdict.phishingResistant)) return true;
  return phishingResistant ? mfa.hasPhishingResistantFactor : mfa.hasFactor;
}

/**
 * The identity provider's redirect back: check the login state (single use, 10 minutes, this
 * browser), redeem the code, then find, link or create the user, admit them to the organization
 * if they may join, and issue a session whose strength says what was proven: aal 2 when the
 * IdP's MFA is trusted, else aal 1 (pending the MFA step when the user has a local factor).
 */
export async function finishSsoLogin(deps: AppDeps, rp: OidcRelyingParty, input: SsoCallbackInput): Promise<FinishedSsoLogin> {
  const state = input.query.state;
  if (!state) throw invalidState('is missing');
  // Consumed in its own transaction, before anything can fail: a state is never good twice.
  const login = await transact(deps, (tx) => tx.r.sso.consumeLoginState(hashToken(state), tx.now));
  if (!login) throw invalidState('is unknown, used or expired: start the sign-in again');
  // Login CSRF (RFC 6749 §10.12): a code obtained by someone else, fed to this browser, would
  // sign it into their account. Only the browser that started the login has the cookie.
  if (!input.browserBinding || hashToken(input.browserBinding) !== login.browser_binding) {
    throw new GatehouseError('forbidden', 'this sign-in was started in another browser');
  }
  if (input.query.error) throw new GatehouseError('forbidden', 'the identity provider did not sign you in');

  const slug = await repos(deps.db).sso.orgSlug(login.org_id);
  if (!slug) throw new GatehouseError('not_found', 'this organization has no single sign-on');
  const { settings } = await ssoTarget(deps, slug);
  let claims: Record<string, unknown>;
  try {
    claims = await rp.exchangeCode(settings, {
      callbackUrl: new URL(`${ssoRedirectUri(deps.config)}?${input.rawQuery}`),
      codeVerifier: login.code_verifier,
      expectedState: state,
      expectedNonce: login.nonce,
    });
  } catch (cause) {
    throw new GatehouseError('invalid_request', "the identity provider's answer did not check out", { cause, extra: { errors: [] } });
  }
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') throw new GatehouseError('invalid_request', 'the ID token has no subject', { extra: { errors: [] } });
  // Accounts are keyed by email: only an address the IdP has verified may name one.
  if (typeof claims.email !== 'string' || claims.email_verified !== true) {
    throw new GatehouseError('forbidden', 'the identity provider did not vouch for a verified email address');
  }
  const email = normalizeEmail(claims.email);
  const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim().slice(0, 200) : null;

  return transact(deps, async (tx) => {
    // The organization's lock serializes joins with other membership changes and enforcement.
    const org = await tx.r.orgs.lockById(login.org_id);
    const config = org ? await tx.r.sso.config(org.id) : undefined;
    if (!org || !config) throw new GatehouseError('not_found', 'this organization has no single sign-on');
    if (!org.allowed_auth_methods.includes('oidc')) throw new GatehouseError('forbidden', 'this organization does not allow single sign-on');
    // The token was validated against the settings read above; if they changed since, start over.
    if (config.issuer !== settings.issuer || config.client_id !== settings.clientId) {
      throw invalidState('belongs to settings that have changed: start the sign-in again');
    }

    const domainVerified = config.verified_domains.includes(emailDomain(email));
    const { user, linked, created } = await resolveSsoUser(tx, { issuer: config.issuer, subject, email, name }, { domainVerified });
    const verdict = judgeIdpMfa({
      trustIdpMfa: config.trust_idp_mfa,
      maxAuthAgeSeconds: config.max_idp_auth_age_seconds,
      amr: claims.amr,
      authTime: claims.auth_time,
      now: tx.now,
    });
    const mfa = await tx.r.factors.summary(user.id);

    let joined = false;
    let joinDeferred = false;
    if (!(await tx.r.orgs.membership(org.id, user.id))) {
      if (!domainVerified) throw new GatehouseError('forbidden', 'you are not a member of this organization');
      if (mayJoin(org, verdict, mfa, instancePolicy(deps.config))) {
        await tx.r.orgs.insertMembership({ orgId: org.id, userId: user.id, role: config.jit_role, now: tx.now });
        tx.audit({ orgId: org.id, action: 'member.join', actorId: user.id, targetId: user.id, data: { role: config.jit_role, via: 'sso' } });
        joined = true;
      } else {
        // No membership yet: the session lets them enroll a factor, and their next sign-in joins.
        joinDeferred = true;
      }
    }

    const issued = await issueSession(deps, tx, {
      userId: user.id,
      aal: verdict.trusted ? 2 : 1,
      amr: ssoSessionAmr(claims.amr, verdict),
      // Untrusted (or no) IdP MFA: a user with a local factor completes the usual MFA step.
      mfaPending: !verdict.trusted && mfa.hasFactor,
      authenticatedAt: tx.now,
    });
    // With GATEHOUSE_REQUIRE_MFA, a session without MFA can only enroll a factor: send it there.
    const restricted = credentialRestriction(deps.config, { ...issued.session, mfaPending: issued.session.mfa_pending, hasFactor: mfa.hasFactor, passwordCompromise: null }) !== null;
    tx.audit({
      orgId: org.id,
      action: 'sso.login',
      actorId: user.id,
      targetId: user.id,
      data: {
        issuer: config.issuer,
        trusted_mfa: verdict.trusted,
        ...(verdict.trusted ? {} : { untrusted_reason: verdict.reason }),
        idp_amr: idpAmr(claims.amr),
        ...(linked ? { identity_linked: true } : {}),
        ...(created ? { user_created: true } : {}),
        ...(joined ? { joined: true } : {}),
        ...(joinDeferred ? { join_deferred: 'mfa_enrollment_required' } : {}),
      },
    });
    return { issued, redirectAfter: joinDeferred || restricted ? ENROLL_PATH : login.redirect_after, orgSlug: org.slug };
  });
}
