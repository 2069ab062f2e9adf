import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { activateFactor, type ActivatedFactor } from './activateFactor.ts';
import { publicFactor, type PublicFactor } from './publicFactor.ts';
import { requireSessionCredential } from './requireSessionCredential.ts';
import { useTotpCode } from './verifySecondFactor.ts';

export async function confirmTotp(
  deps: AppDeps,
  actor: Actor,
  input: { factorId: string; code: string },
): Promise<ActivatedFactor & { factor: PublicFactor }> {
  requireSessionCredential(actor);
  const result = await transact(deps, async (tx) => {
    await tx.r.users.lock(actor.userId);
    const factor = await tx.r.factors.byId(actor.userId, input.factorId);
    if (!factor || factor.type !== 'totp' || factor.confirmed_at) throw new GatehouseError('not_found', 'no enrollment in progress with this id');
    const step = await useTotpCode(deps, tx.r, factor, input.code, tx.now);
    if (step === null) return null;
    const { hasFactor } = await tx.r.factors.summary(actor.userId);
    await tx.r.factors.confirm(factor.id, tx.now, step);
    const activated = await activateFactor(deps, tx, actor, { factor, amr: ['pwd', 'otp', 'mfa'], hadFactor: hasFactor });
    return { ...activated, factor: publicFactor({ ...factor, confirmed_at: tx.now, last_used_at: tx.now }) };
  });
  if (!result) {
    await repos(deps.db).users.recordFailure(actor.userId, deps.clock.now());
    throw new GatehouseError('invalid_mfa_code', 'the code is not valid');
  }
  return result;
}
