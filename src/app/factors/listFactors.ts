import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { publicFactor, type PublicFactor } from './publicFactor.ts';

export async function listFactors(deps: AppDeps, actor: Actor): Promise<{ enabled: boolean; factors: PublicFactor[]; recovery_codes_remaining: number }> {
  const r = repos(deps.db);
  const [factors, remaining] = await Promise.all([r.factors.listActive(actor.userId), r.factors.recoveryCodesRemaining(actor.userId)]);
  return { enabled: factors.length > 0, factors: factors.map(publicFactor), recovery_codes_remaining: factors.length > 0 ? remaining : 0 };
}
