import { createHash } from 'node:crypto';
import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { Random } from '../../core/random.ts';
import { sameOriginPath } from '../../core/sameOriginPath.ts';
import { hashToken } from '../../core/tokens.ts';
import type { OidcRelyingParty } from '../../sso/oidcRelyingParty.ts';
import type { AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { ssoRedirectUri } from './publicSsoConfig.ts';
import { ssoTarget } from './ssoTarget.ts';

/** A login state is good for one callback within 10 minutes. */
export const LOGIN_STATE_TTL_SECONDS = 600;
/** Expired states are kept this long (to tell "expired" from "never issued" when investigating), then deleted. */
const LOGIN_STATE_RETENTION_SECONDS = 86_400;

export interface StartedSsoLogin {
  /** The identity provider's authorization URL, with state, nonce and the PKCE challenge. */
  authorizationUrl: URL;
  /** Goes into a cookie on this browser; the callback must come back with it. */
  browserBinding: string;
}

/** 256 random bits in base64url: state, nonce, PKCE verifier (RFC 7636 §4.1: 43 characters) and browser binding. */
function randomValue(random: Random): string {
  return Buffer.from(random.bytes(32)).toString('base64url');
}

/**
 * Starts a sign-in at the organization's identity provider: authorization code flow with PKCE
 * (S256), `state` and `nonce`. The state row keeps only hashes of what travels through the
 * browser (the state and the binding cookie), so a database reader cannot finish someone's login.
 */
export async function startSsoLogin(deps: AppDeps, rp: OidcRelyingParty, input: { slug: string; redirect?: string }): Promise<StartedSsoLogin> {
  const redirectAfter = input.redirect === undefined ? '/' : sameOriginPath(input.redirect);
  if (redirectAfter === null) {
    throw new GatehouseError('invalid_request', 'redirect must be a path on this site', {
      extra: { errors: [{ field: 'redirect', in: 'querystring', message: 'must be a path on this site, like /orgs/acme' }] },
    });
  }
  const { org, settings } = await ssoTarget(deps, input.slug);
  const state = randomValue(deps.random);
  const nonce = randomValue(deps.random);
  const codeVerifier = randomValue(deps.random);
  const browserBinding = randomValue(deps.random);
  const codeChallenge = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
  // The provider's discovery document is fetched before the transaction: no connection is held over the network.
  const authorizationUrl = await rp.authorizationUrl(settings, { redirectUri: ssoRedirectUri(deps.config), state, nonce, codeChallenge });

  await transact(deps, async (tx) => {
    await tx.r.sso.deleteLoginStatesExpiredBefore(addSeconds(tx.now, -LOGIN_STATE_RETENTION_SECONDS));
    await tx.r.sso.insertLoginState({
      stateHash: hashToken(state),
      orgId: org.id,
      nonce,
      codeVerifier,
      browserBindingHash: hashToken(browserBinding),
      redirectAfter,
      now: tx.now,
      expiresAt: addSeconds(tx.now, LOGIN_STATE_TTL_SECONDS),
    });
  });
  return { authorizationUrl, browserBinding };
}
