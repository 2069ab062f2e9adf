import type { AuthenticationResponseJSON, VerifiedAuthenticationResponse } from '@simplewebauthn/server';
import { relyingParty } from './relyingParty.ts';
import type { WebauthnAssertionVerifier } from './verifySecondFactor.ts';
import { presentedChallenge } from './webauthnChallenge.ts';
import { fromBase64url, webauthnLibrary } from './webauthnLibrary.ts';

/**
 * The passkey answer of the MFA step: an assertion over the user's latest authentication
 * challenge, signed by one of the user's own passkeys. Null for anything else — an unknown or
 * foreign credential, another origin, a used or expired challenge, a bad signature, a counter
 * that went backwards — which completeMfaStep answers with 401 invalid_mfa_code.
 *
 * Sign counter: simplewebauthn applies WebAuthn §7.2 step 21: when either the stored or the new
 * counter is non-zero, the new one must be greater. A counter that does not grow means two
 * authenticators hold the same key (a cloned authenticator), so the assertion is refused.
 * Passkeys that always report 0 (synced ones) pass, since both counters stay 0.
 */
export const verifyWebauthnAssertion: WebauthnAssertionVerifier = async (deps, r, { userId, response, now }) => {
  // Single use: the challenge is marked used before anything else is checked, so a response (good
  // or bad) is tried once, and two requests racing with one response cannot both succeed.
  const challenge = presentedChallenge(response);
  if (!challenge || !(await r.webauthn.consumeChallenge({ userId, purpose: 'authentication', challenge, now }))) return null;
  const credentialId = (response as { id?: unknown }).id;
  if (typeof credentialId !== 'string') return null;
  // Scoped to the user: a valid assertion from someone else's passkey is not this user's factor.
  const factor = await r.webauthn.credentialOf(userId, credentialId);
  if (!factor?.credential_id || !factor.public_key) return null;
  const rp = relyingParty(deps.config);
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  let verification: VerifiedAuthenticationResponse;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: factor.credential_id,
        publicKey: fromBase64url(factor.public_key),
        counter: factor.sign_count ?? 0,
      },
      // The password was the first factor; possession of the passkey is the second.
      requireUserVerification: false,
    });
  } catch {
    // simplewebauthn throws for every malformed or mismatching response, including counter regressions.
    return null;
  }
  if (!verification.verified) return null;
  await r.factors.markUsed(factor.id, now, verification.authenticationInfo.newCounter);
  return { amr: ['pwd', 'hwk', 'mfa'], phishingResistant: true };
};
