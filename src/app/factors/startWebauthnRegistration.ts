import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { relyingParty, WEBAUTHN_ALGORITHMS, WEBAUTHN_CHALLENGE_TTL_SECONDS } from './relyingParty.ts';
import { requireRecentSignIn, requireStepUp } from './requireRecentSignIn.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';
import { newWebauthnChallenge } from './webauthnChallenge.ts';
import { webauthnLibrary } from './webauthnLibrary.ts';

/**
 * Creation options for a new passkey. The challenge is kept server-side (single use, 5 minutes)
 * and replaces any earlier registration challenge of the user. Adding a factor when one exists
 * needs aal 2 and a recent sign-in, checked here and again when the passkey is registered.
 */
export async function startWebauthnRegistration(deps: AppDeps, actor: Actor): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireSessionCredential(actor);
  const { generateRegistrationOptions } = await webauthnLibrary();
  return transact(deps, async (tx) => {
    const user = await tx.r.users.lock(actor.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
    const { hasFactor } = await tx.r.factors.summary(user.id);
    if (hasFactor) {
      requireStepUp(actor);
      requireRecentSignIn(deps, actor, tx.now);
    }
    const rp = relyingParty(deps.config);
    const existing = await tx.r.webauthn.listCredentials(user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      // The user handle is our opaque user id: no email or name is stored on the authenticator as its key.
      userID: new TextEncoder().encode(user.id),
      challenge: newWebauthnChallenge(deps),
      timeout: WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000,
      attestationType: 'none',
      supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
      // The browser refuses to create a second credential on an authenticator that already holds one of these.
      excludeCredentials: existing.flatMap((factor) =>
        factor.credential_id ? [{ id: factor.credential_id, ...(factor.transports ? { transports: factor.transports } : {}) }] : [],
      ),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await tx.r.webauthn.replaceChallenge({
      id: tx.id('chl'),
      userId: user.id,
      purpose: 'registration',
      challenge: options.challenge,
      now: tx.now,
      expiresAt: addSeconds(tx.now, WEBAUTHN_CHALLENGE_TTL_SECONDS),
    });
    return options;
  });
}
