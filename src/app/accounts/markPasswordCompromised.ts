import type { AppDeps } from '../deps.ts';
import { transact, type TransactDeps } from '../transact.ts';
import { recordPasswordCompromise, type RecordedCompromise } from './recordPasswordCompromise.ts';
import { normalizeEmail } from './signUp.ts';

export type MarkedPassword =
  | ({ outcome: 'marked'; email: string } & RecordedCompromise)
  | { outcome: 'no_such_user' }
  | { outcome: 'no_password' };

/**
 * `gatehouse users password-compromised EMAIL`: an operator has evidence that a user's password is
 * known to someone else (a breach report, a phishing victim, a password seen in a log). One
 * transaction: the password is marked, every session, token and certificate ends, the event is
 * audited as the operator's (no actor) and the user is mailed through the outbox. Their next
 * password sign-in can only change the password (NIST SP 800-63B-4 §3.1.1.2). Run it again on new
 * evidence: it ends whatever was signed in since.
 */
export async function markPasswordCompromised(deps: TransactDeps & Pick<AppDeps, 'config'>, email: string): Promise<MarkedPassword> {
  return transact(deps, async (tx) => {
    const found = await tx.r.users.byEmail(normalizeEmail(email));
    const user = found ? await tx.r.users.lock(found.id) : undefined;
    if (!user) return { outcome: 'no_such_user' };
    // Nothing to change: an account without a password signs in through single sign-on only.
    if (user.password_hash === null) return { outcome: 'no_password' };
    return { outcome: 'marked', email: user.email, ...(await recordPasswordCompromise(deps, tx, user, 'operator')) };
  });
}
