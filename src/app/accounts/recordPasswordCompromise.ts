import type { PasswordCompromise } from '../../core/accountRestriction.ts';
import { passwordCompromisedMail } from '../../mail/templates.ts';
import type { AppDeps } from '../deps.ts';
import type { Tx } from '../transact.ts';

export interface RecordedCompromise {
  sessions: number;
  tokens: number;
  sshCertificates: number;
}

/**
 * Evidence that a user's password is compromised, whatever its source, is handled one way, inside
 * the caller's transaction: the password is marked (from then on every credential resting on it
 * can only change it: src/core/accountRestriction.ts), everything the account holds ends at once —
 * sessions, personal access tokens, SSH certificates, since any of them may be the intruder's —
 * and the change is audited and mailed to the owner. The caller holds the user's row lock.
 */
export async function recordPasswordCompromise(
  deps: Pick<AppDeps, 'config'>,
  tx: Tx,
  user: { id: string; email: string },
  reason: PasswordCompromise,
): Promise<RecordedCompromise> {
  await tx.r.users.markPasswordCompromised(user.id, reason, tx.now);
  const sessions = await tx.r.credentials.revokeAllSessions(user.id, tx.now);
  const tokens = await tx.r.credentials.revokeAllPats(user.id, tx.now);
  const sshCertificates = await tx.r.sshCertificates.revokeAllOfUser(user.id, tx.now);
  tx.audit({ orgId: null, action: 'user.password_compromised', actorId: null, targetId: user.id, data: { reason, sessions, tokens, ssh_certificates: sshCertificates } });
  tx.mail(passwordCompromisedMail({ to: user.email, reason, publicUrl: deps.config.publicUrl }));
  return { sessions, tokens, sshCertificates };
}
