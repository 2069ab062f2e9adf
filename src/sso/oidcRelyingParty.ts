import * as oidc from 'openid-client';

/** What Gatehouse needs to talk to one organization's OpenID provider. */
export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface AuthorizationParams {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface CodeExchange {
  /** The URL the provider redirected the browser to: redirect URI plus the response parameters. */
  callbackUrl: URL;
  codeVerifier: string;
  expectedState: string;
  expectedNonce: string;
}

/**
 * The relying-party side of OpenID Connect, behind an interface so use cases do not depend on
 * the network library. Every method throws on any failure (unreachable issuer, bad metadata,
 * a token response or ID token that does not validate); callers map that to the contract.
 */
export interface OidcRelyingParty {
  /** Fetches and checks the issuer's discovery document. */
  discover(settings: OidcClientSettings): Promise<void>;
  authorizationUrl(settings: OidcClientSettings, params: AuthorizationParams): Promise<URL>;
  /** Redeems the code (with the PKCE verifier) and returns the validated ID token's claims, completed from UserInfo when the ID token lacks the email. */
  exchangeCode(settings: OidcClientSettings, exchange: CodeExchange): Promise<Record<string, unknown>>;
}

const SCOPE = 'openid email profile';
const TIMEOUT_SECONDS = 10;
const ID_TOKEN_CLAIMS = JSON.stringify({ id_token: { auth_time: { essential: true }, amr: null } });

/** Plain-HTTP issuers are accepted on loopback only (development and tests); see src/core/issuerUrl.ts. */
function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function configure(settings: OidcClientSettings): Promise<oidc.Configuration> {
  // client_secret_basic: the default token endpoint authentication of OpenID Connect.
  return oidc.discovery(new URL(settings.issuer), settings.clientId, undefined, oidc.ClientSecretBasic(settings.clientSecret), {
    timeout: TIMEOUT_SECONDS,
    // openid-client skips the ID token's signature when it comes straight from the token endpoint
    // over TLS (OpenID Connect Core allows that); ASVS 5.0 6.8.2 wants every assertion's signature
    // checked, so a compromised or spoofed token endpoint cannot mint identities either.
    execute: [oidc.enableNonRepudiationChecks, ...(isLoopbackHttp(settings.issuer) ? [oidc.allowInsecureRequests] : [])],
  });
}

/**
 * openid-client v6. Discovery is done per call, not cached: sign-ins are rare next to API calls,
 * and a cache would be shared mutable state to invalidate when an organization edits its settings.
 */
export const openidClientRelyingParty: OidcRelyingParty = {
  async discover(settings) {
    await configure(settings);
  },

  async authorizationUrl(settings, params) {
    const config = await configure(settings);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: params.redirectUri,
      scope: SCOPE,
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
      // Whether the IdP's MFA can be trusted is read from these two claims; providers that do not
      // put them in every ID token add them when asked (OpenID Connect Core §5.5).
      ...(config.serverMetadata().claims_parameter_supported === true ? { claims: ID_TOKEN_CLAIMS } : {}),
    });
  },

  async exchangeCode(settings, exchange) {
    const config = await configure(settings);
    // Checks the response's state and `iss`, redeems the code with the verifier, and validates
    // the ID token: signature, issuer, audience, expiry and our nonce.
    const tokens = await oidc.authorizationCodeGrant(config, exchange.callbackUrl, {
      pkceCodeVerifier: exchange.codeVerifier,
      expectedState: exchange.expectedState,
      expectedNonce: exchange.expectedNonce,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the token response has no ID token');
    if (typeof claims.email === 'string' && typeof claims.email_verified === 'boolean') return { ...claims };
    // Some providers put profile claims only in UserInfo; its `sub` must match the ID token's.
    const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { email: userInfo.email, email_verified: userInfo.email_verified, name: userInfo.name, ...claims };
  },
};
