import { GatehouseError } from '../../core/errors.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { transact } from '../transact.ts';
import { orgRefs } from '../orgs/orgRefs.ts';
import { requireRecentSignIn } from '../factors/requireRecentSignIn.ts';
import { passwordChangedMail } from '../../mail/templates.ts';

/**
 * Removing one's password. An owner of an organization that requires MFA keeps it (Mackerel:
 * the organization must stay manageable); otherwise the last way to sign in cannot go either:
 * it may go only when the user signs in through single sign-on too.
 */
export async function removePassword(deps: AppDeps, actor: Actor): Promise<void> {
  await transact(deps, async (tx) => {
    const user = await tx.r.users.lock(actor.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'unknown user');
    const owned = (await tx.r.orgs.mfaOrgsOfUser(user.id, tx.now)).filter((org) => org.role === 'owner' && org.state === 'active');
    if (owned.length > 0) {
      throw new GatehouseError('password_required_by_organization', 'an owner of an organization that requires MFA keeps a password', {
        extra: { organizations: orgRefs(owned) },
      });
    }
    // A single sign-on identity is the only other way in: one must be linked and still usable
    // (an organization of the user's still signs in through its issuer and allows `oidc`).
    if (!(await tx.r.sso.hasUsableIdentity(user.id))) {
      throw new GatehouseError('last_login_method', 'the password is your only way to sign in');
    }
    if (user.password_hash === null) return;
    // Removing a way to sign in changes how the account authenticates (ASVS 5.0 7.5.1): only a
    // recent sign-in may do it, and the other sessions end with it (7.4.3).
    requireRecentSignIn(deps, actor, tx.now);
    await tx.r.users.setPasswordHash(user.id, null);
    await tx.r.credentials.revokeOtherSessions(user.id, actor.credential.id, tx.now);
    // Removing the password ends any evidence against it too (UserQueries.setPasswordHash).
    const lifted = user.password_compromise_reason;
    tx.audit({ orgId: null, action: 'user.password_remove', actorId: user.id, targetId: user.id, ...(lifted ? { data: { compromise_cleared: lifted } } : {}) });
    tx.mail(passwordChangedMail({ to: user.email, change: 'removed', publicUrl: deps.config.publicUrl }));
  });
}
