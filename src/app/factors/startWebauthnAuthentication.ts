import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { addSeconds } from '../../core/clock.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { relyingParty, WEBAUTHN_CHALLENGE_TTL_SECONDS } from './relyingParty.ts';
import { newWebauthnChallenge } from './webauthnChallenge.ts';
import { webauthnLibrary } from './webauthnLibrary.ts';

/**
 * Request options for the MFA step with a passkey: only for a session waiting for that step,
 * listing the user's own passkeys. The challenge is kept server-side (single use, 5 minutes) and
 * replaces any earlier authentication challenge of the user.
 */
export async function startWebauthnAuthentication(deps: AppDeps, actor: Actor): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const pending = actor.credential;
  if (pending.kind !== 'session' || !pending.mfaPending) throw new GatehouseError('mfa_not_pending', 'this session is not waiting for an MFA step');
  const { generateAuthenticationOptions } = await webauthnLibrary();
  return transact(deps, async (tx) => {
    // Serializes option requests per user, so "the latest challenge" is well defined.
    await tx.r.users.lock(actor.userId);
    const credentials = await tx.r.webauthn.listCredentials(actor.userId);
    // With an empty allow list the browser would offer any passkey for this site, even other accounts'.
    if (credentials.length === 0) throw new GatehouseError('not_found', 'no passkey is registered for this account');
    const rp = relyingParty(deps.config);
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      challenge: newWebauthnChallenge(deps),
      timeout: WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000,
      userVerification: 'preferred',
      allowCredentials: credentials.flatMap((factor) =>
        factor.credential_id ? [{ id: factor.credential_id, ...(factor.transports ? { transports: factor.transports } : {}) }] : [],
      ),
    });
    await tx.r.webauthn.replaceChallenge({
      id: tx.id('chl'),
      userId: actor.userId,
      purpose: 'authentication',
      challenge: options.challenge,
      now: tx.now,
      expiresAt: addSeconds(tx.now, WEBAUTHN_CHALLENGE_TTL_SECONDS),
    });
    return options;
  });
}
