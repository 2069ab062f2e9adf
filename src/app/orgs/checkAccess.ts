import type { Channel } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { loadAccess } from './enterOrg.ts';

export interface AccessAnswer {
  allowed: boolean;
  code?: string;
  role?: string;
  aal: number;
  deadline?: Date;
  reinstate_until?: Date;
}

/**
 * `GET /v1/orgs/{slug}/access`: the decision itself, answered to any member (pending ones too)
 * instead of refusing them, so other applications can ask the same question. Non-members get 404.
 */
export async function checkAccess(deps: AppDeps, actor: Actor, slug: string, channel: Channel): Promise<AccessAnswer> {
  const { decision } = await loadAccess(deps, repos(deps.db), actor, slug, deps.clock.now(), channel, { cache: deps.accessCache });
  const aal = actor.credential.aal;
  if (decision.allowed) return { allowed: true, role: decision.role, aal, ...(decision.deadline ? { deadline: decision.deadline } : {}) };
  if (decision.code === 'not_found') throw new GatehouseError('not_found', 'no such organization');
  if (decision.code === 'membership_pending') return { allowed: false, code: decision.code, role: decision.role, aal, reinstate_until: decision.reinstateUntil };
  return { allowed: false, code: decision.code, role: decision.role, aal, ...(decision.deadline ? { deadline: decision.deadline } : {}) };
}
