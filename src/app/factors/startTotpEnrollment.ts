import { GatehouseError } from '../../core/errors.ts';
import { generateTotpSecret, totpUri } from '../../core/totp.ts';
import { sealSecret } from '../../crypto/secretBox.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { requireRecentSignIn, requireStepUp } from './requireRecentSignIn.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';

export interface TotpEnrollment {
  factor_id: string;
  secret: string;
  otpauth_uri: string;
}

/** Starts an authenticator-app enrollment; the factor counts only once a code confirms it. */
export async function startTotpEnrollment(deps: AppDeps, actor: Actor, input: { name?: string }): Promise<TotpEnrollment> {
  requireSessionCredential(actor);
  return transact(deps, async (tx) => {
    const user = await tx.r.users.lock(actor.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
    const { hasFactor } = await tx.r.factors.summary(user.id);
    if (hasFactor) {
      requireStepUp(actor);
      requireRecentSignIn(deps, actor, tx.now);
    }
    // One enrollment in progress at a time: an abandoned secret must not stay valid-to-confirm.
    await tx.r.factors.deleteUnconfirmed(user.id, 'totp');
    const id = tx.id('fac');
    const secret = generateTotpSecret(deps.random);
    await tx.r.factors.insert({
      id,
      user_id: user.id,
      type: 'totp',
      name: input.name?.trim() || 'Authenticator app',
      secret_sealed: sealSecret({ key: deps.secretKey, plaintext: secret, random: deps.random, associatedData: id }),
      confirmed_at: null,
      created_at: tx.now,
      phishing_resistant: false,
      credential_id: null,
      public_key: null,
      sign_count: null,
      transports: null,
      backed_up: null,
      device_type: null,
    });
    return { factor_id: id, secret, otpauth_uri: totpUri({ secret, accountName: user.email, issuer: deps.config.issuer }) };
  });
}
