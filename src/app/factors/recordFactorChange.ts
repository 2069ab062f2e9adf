import type { AppDeps } from '../deps.ts';
import type { Tx } from '../transact.ts';
import { factorChangedMail } from '../../mail/templates.ts';

/**
 * A factor change is audited in every organization the user belongs to (their admins see it in
 * the organization's log) and mailed to the user, who learns at once if it was not them.
 */
export async function recordFactorChange(
  deps: AppDeps,
  tx: Tx,
  options: { userId: string; email: string; action: 'mfa.enroll' | 'mfa.disable'; factorId: string; factorType: string; lastFactor: boolean },
): Promise<void> {
  const orgIds = await tx.r.orgs.orgIdsOfUser(options.userId, tx.now);
  const data = { factor_id: options.factorId, factor_type: options.factorType, ...(options.action === 'mfa.disable' ? { last_factor: options.lastFactor } : {}) };
  for (const orgId of orgIds.length > 0 ? orgIds : [null]) {
    tx.audit({ orgId, action: options.action, actorId: options.userId, targetId: options.userId, data });
  }
  tx.mail(
    factorChangedMail({
      to: options.email,
      change: options.action === 'mfa.enroll' ? 'added' : 'removed',
      factorType: options.factorType,
      publicUrl: deps.config.publicUrl,
    }),
  );
}
