import type { RegistrationResponseJSON, VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { GatehouseError } from '../../core/errors.ts';
import type { FactorRow } from '../../db/queries/factors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { activateFactor, type ActivatedFactor } from './activateFactor.ts';
import { publicFactor, type PublicFactor } from './publicFactor.ts';
import { relyingParty, WEBAUTHN_ALGORITHMS } from './relyingParty.ts';
import { requireRecentSignIn, requireStepUp } from './requireRecentSignIn.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';
import { presentedChallenge } from './webauthnChallenge.ts';
import { toBase64url, webauthnLibrary } from './webauthnLibrary.ts';

const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** Transports are reported by the client: keep only known names, as hints for later options. */
function storedTransports(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const known = [...new Set(value.filter((item): item is string => typeof item === 'string' && KNOWN_TRANSPORTS.has(item)))];
  return known.length > 0 ? known : null;
}

/**
 * Registers a passkey from the browser's attestation response and activates it at once (the
 * ceremony itself proves possession): like a confirmed TOTP factor, the first one brings recovery
 * codes and the session is rotated to aal 2. A response that does not verify burns its challenge.
 */
export async function registerWebauthn(
  deps: AppDeps,
  actor: Actor,
  input: { response: unknown; name?: string },
): Promise<ActivatedFactor & { factor: PublicFactor }> {
  requireSessionCredential(actor);
  const rp = relyingParty(deps.config);
  const { verifyRegistrationResponse } = await webauthnLibrary();
  const result = await transact(deps, async (tx) => {
    const user = await tx.r.users.lock(actor.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
    const { hasFactor } = await tx.r.factors.summary(user.id);
    // Checked again here, not only for the options: the session may have aged since.
    if (hasFactor) {
      requireStepUp(actor);
      requireRecentSignIn(deps, actor, tx.now);
    }
    // The challenge must be the user's latest registration challenge, unused and unexpired. It is
    // marked used before verifying, so a response is tried once: a failure burns it too.
    const challenge = presentedChallenge(input.response);
    if (!challenge || !(await tx.r.webauthn.consumeChallenge({ userId: user.id, purpose: 'registration', challenge, now: tx.now }))) return null;
    let verification: VerifiedRegistrationResponse;
    try {
      verification = await verifyRegistrationResponse({
        response: input.response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
        // A second factor after the password: presence is enough, as with a security key without a PIN.
        requireUserVerification: false,
      });
    } catch {
      // simplewebauthn throws for every malformed or mismatching response; all of them are "not valid".
      return null;
    }
    if (!verification.verified) return null;
    const info = verification.registrationInfo;
    if (await tx.r.webauthn.credentialIdTaken(info.credential.id)) {
      throw new GatehouseError('invalid_request', 'this passkey is already registered', {
        extra: { errors: [{ field: 'response.id', in: 'body', message: 'is already registered' }] },
      });
    }
    const factor: FactorRow = {
      id: tx.id('fac'),
      user_id: user.id,
      type: 'webauthn',
      name: input.name?.trim() || 'Passkey',
      secret_sealed: null,
      confirmed_at: tx.now,
      last_used_step: null,
      last_used_at: null,
      created_at: tx.now,
      phishing_resistant: true,
      credential_id: info.credential.id,
      public_key: toBase64url(info.credential.publicKey),
      sign_count: info.credential.counter,
      transports: storedTransports(info.credential.transports),
      backed_up: info.credentialBackedUp,
      device_type: info.credentialDeviceType,
    };
    await tx.r.factors.insert(factor);
    const activated = await activateFactor(deps, tx, actor, { factor, amr: ['pwd', 'hwk', 'mfa'], hadFactor: hasFactor });
    return { ...activated, factor: publicFactor(factor) };
  });
  if (!result) throw new GatehouseError('invalid_mfa_code', 'the passkey response is not valid');
  return result;
}
