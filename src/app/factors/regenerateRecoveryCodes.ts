import { GatehouseError } from '../../core/errors.ts';
import { generateRecoveryCodes, hashRecoveryCode } from '../../core/recoveryCodes.ts';
import { recoveryCodesRegeneratedMail } from '../../mail/templates.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { requireRecentSignIn, requireStepUp } from './requireRecentSignIn.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';

/** Replaces the whole set: every old code stops working in the same transaction. */
export async function regenerateRecoveryCodes(deps: AppDeps, actor: Actor): Promise<string[]> {
  requireSessionCredential(actor);
  requireStepUp(actor);
  return transact(deps, async (tx) => {
    await tx.r.users.lock(actor.userId);
    const { hasFactor } = await tx.r.factors.summary(actor.userId);
    if (!hasFactor) throw new GatehouseError('mfa_step_up_required', 'enable two-factor authentication first');
    requireRecentSignIn(deps, actor, tx.now);
    const codes = generateRecoveryCodes(deps.random, 10);
    await tx.r.factors.replaceRecoveryCodes(
      actor.userId,
      codes.map((code) => ({ id: tx.id('fac'), codeHash: hashRecoveryCode(code) })),
      tx.now,
    );
    tx.audit({ orgId: null, action: 'mfa.recovery_codes_regenerated', actorId: actor.userId, targetId: actor.userId });
    // Like every factor change, the owner is told at once (whoever holds the new codes holds a factor).
    tx.mail(recoveryCodesRegeneratedMail({ to: actor.email, publicUrl: deps.config.publicUrl }));
    return codes;
  });
}
